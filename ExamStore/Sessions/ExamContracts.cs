namespace ExamStore.Sessions;

/// <summary>A question as a student sees it: never the answer key.</summary>
public sealed record QuestionView(long Id, string Topic, string Content, IReadOnlyList<string> Options);

/// <summary>
/// What a student's client asks for when starting an exam: the exam design to run (else the subject's default design).
/// Everything about how the exam runs comes from the design.
/// </summary>
public sealed record ExamRequest(string StudentId, string? DesignId, string? Subject);

/// <summary>A started exam.</summary>
public sealed record ExamStarted(Guid SessionId, string Token, string DesignId, int DesignVersion, QuestionView Item, int Answered, int MaxItems, double Theta, double? Se, DateTime? ExpiresAt);

/// <summary>The result of an answer (the same for a retried answer); the classification when the design classifies.</summary>
public sealed record AnswerRecorded(int Answered, double Theta, double? Se, IReadOnlyDictionary<string, double> Proficiency, bool Done, string? StopReason, ExamClassification? Classification, QuestionView? NextItem);

/// <summary>Where an exam stands.</summary>
public sealed record ExamStatus(Guid SessionId, string StudentId, string Subject, string State, double Theta, double? Se, int Answered, int MaxItems, int? TtlSeconds, DateTime LastActivity, DateTime? ExpiresAt, string? StopReason);

/// <summary>
/// An exam's result so far or final: θ, SE, items answered, the rule that stopped it, and its classification against the
/// design's cut scores (null when the design does not classify).
/// </summary>
public sealed record ExamSummary(Guid SessionId, string StudentId, string Subject, string? DesignId, int? DesignVersion, string State, double Theta, double? Se, int Answered, string? StopReason,
    ExamClassification? Classification, IReadOnlyDictionary<string, double> Proficiency, DateTime StartedAt, DateTime? CompletedAt);

/// <summary>
/// A classification against the design's cut scores: the level reached (null while undecided) and its name, whether the
/// exam ended before the rule settled it (forced: the best current decision), and each cut's decision.
/// </summary>
public sealed record ExamClassification(string Rule, int? Level, string? LevelName, bool Forced, IReadOnlyList<CutDecisionView> Cuts);

/// <summary>One cut: "above", "below" or "undecided", and the SPRT's log likelihood ratio when that rule decides.</summary>
public sealed record CutDecisionView(double Cut, string Decision, bool Forced, double? LogLikelihoodRatio);

/// <summary>One step of an exam's history, for audit after completion.</summary>
public sealed record ExamHistoryStep(int Seq, long ItemId, string Topic, DateTime ServedAt, DateTime AnsweredAt, int Response, bool Correct, double Theta, double? Se, ItemChoice Choice);

/// <summary>Why an item was served: its information at the θ it was chosen at, the rule, and the runners-up.</summary>
public sealed record ItemChoice(long ItemId, double Theta, double Information, string Rule, string? Topic, IReadOnlyList<ItemChoiceCandidate> RunnersUp);

/// <summary>An item that was considered but not chosen.</summary>
public sealed record ItemChoiceCandidate(long ItemId, double Information);
