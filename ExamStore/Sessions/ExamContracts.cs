namespace ExamStore.Sessions;

/// <summary>A question as a student sees it: never the answer key.</summary>
public sealed record QuestionView(long Id, string Topic, string Content, IReadOnlyList<string> Options);

/// <summary>What a student asks for when starting an exam; null fields take the defaults.</summary>
public sealed record ExamRequest(string StudentId, string Subject, int? MaxItems = null, int? MinItems = null, double? SeTarget = null, string? Estimator = null, int? TimeLimitSeconds = null);

/// <summary>A started exam.</summary>
public sealed record ExamStarted(Guid SessionId, string Token, QuestionView Item, int Answered, int MaxItems, double Theta, double? Se, DateTime? ExpiresAt);

/// <summary>The result of an answer (the same for a retried answer).</summary>
public sealed record AnswerRecorded(int Answered, double Theta, double? Se, IReadOnlyDictionary<string, double> Proficiency, bool Done, string? StopReason, QuestionView? NextItem);

/// <summary>Where an exam stands.</summary>
public sealed record ExamStatus(Guid SessionId, string StudentId, string Subject, string State, double Theta, double? Se, int Answered, int MaxItems, int? TtlSeconds, DateTime LastActivity, DateTime? ExpiresAt, string? StopReason);

/// <summary>A finished exam.</summary>
public sealed record ExamSummary(Guid SessionId, string StudentId, string Subject, string State, double Theta, double? Se, int Answered, string? StopReason, IReadOnlyDictionary<string, double> Proficiency, DateTime StartedAt, DateTime? CompletedAt);

/// <summary>One step of an exam's history, for audit after completion.</summary>
public sealed record ExamHistoryStep(int Seq, long ItemId, string Topic, DateTime ServedAt, DateTime AnsweredAt, int Response, bool Correct, double Theta, double? Se, ItemChoice Choice);

/// <summary>Why an item was served: its information at the θ it was chosen at, the rule, and the runners-up.</summary>
public sealed record ItemChoice(long ItemId, double Theta, double Information, string Rule, string? Topic, IReadOnlyList<ItemChoiceCandidate> RunnersUp);

/// <summary>An item that was considered but not chosen.</summary>
public sealed record ItemChoiceCandidate(long ItemId, double Information);
