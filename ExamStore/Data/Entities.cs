namespace ExamStore.Data;

/// <summary>A calibrated question: content, options, answer key and IRT parameters.</summary>
public sealed class ItemEntity
{
    /// <summary>Identity.</summary>
    public long Id { get; set; }

    /// <summary>Subject the item belongs to (an exam draws from one subject).</summary>
    public required string Subject { get; set; }

    /// <summary>Topic within the subject (content balancing, topic proficiency).</summary>
    public required string Topic { get; set; }

    /// <summary>Question text.</summary>
    public required string Content { get; set; }

    /// <summary>Answer options; a response is an index into this list.</summary>
    public required List<string> Options { get; set; }

    /// <summary>Index of the correct option. Never leaves the server during an exam and never enters Redis.</summary>
    public int AnswerKey { get; set; }

    /// <summary>Discrimination.</summary>
    public double A { get; set; }

    /// <summary>Difficulty.</summary>
    public double B { get; set; }

    /// <summary>Lower asymptote.</summary>
    public double C { get; set; }

    /// <summary>Upper asymptote.</summary>
    public double D { get; set; } = 1;

    /// <summary>"active" or "retired"; retired items are never served again but keep old exams replayable.</summary>
    public string Status { get; set; } = ItemStatus.Active;

    /// <summary>Creation time.</summary>
    public DateTime CreatedAt { get; set; }

    /// <summary>Last change.</summary>
    public DateTime UpdatedAt { get; set; }
}

/// <summary>Item status values.</summary>
public static class ItemStatus
{
    /// <summary>Served to students.</summary>
    public const string Active = "active";

    /// <summary>No longer served.</summary>
    public const string Retired = "retired";
}

/// <summary>The version of a subject's item bank, bumped with every change to its items.</summary>
public sealed class ItemBankVersionEntity
{
    /// <summary>Subject.</summary>
    public required string Subject { get; set; }

    /// <summary>Monotonic version.</summary>
    public long Version { get; set; }

    /// <summary>Last change.</summary>
    public DateTime UpdatedAt { get; set; }
}

/// <summary>One adaptive exam, from start to completion or abandonment.</summary>
public sealed class ExamSessionEntity
{
    /// <summary>Session id.</summary>
    public Guid Id { get; set; }

    /// <summary>The student taking the exam.</summary>
    public required string StudentId { get; set; }

    /// <summary>Subject.</summary>
    public required string Subject { get; set; }

    /// <summary>The exam configuration as JSON (lengths, SE target, estimator, time limit), for replay and audit.</summary>
    public required string Configuration { get; set; }

    /// <summary>The item bank version the exam started on.</summary>
    public long BankVersion { get; set; }

    /// <summary>The key of the exam design version the exam runs (null only for exams ended before designs existed).</summary>
    public long? DesignKey { get; set; }

    /// <summary>"active", "completed" or "abandoned".</summary>
    public string Status { get; set; } = SessionStatus.Active;

    /// <summary>Current (or final) ability estimate.</summary>
    public double Theta { get; set; }

    /// <summary>Its standard error; null while it is infinite (no information yet).</summary>
    public double? Se { get; set; }

    /// <summary>Items answered.</summary>
    public int ItemCount { get; set; }

    /// <summary>The first item served and why it was chosen (JSON <c>ItemChoice</c>).</summary>
    public required string FirstSelection { get; set; }

    /// <summary>The rule that ended the exam.</summary>
    public string? StopReason { get; set; }

    /// <summary>Start time.</summary>
    public DateTime StartedAt { get; set; }

    /// <summary>Last answer or start.</summary>
    public DateTime LastActivityAt { get; set; }

    /// <summary>Completion or abandonment time.</summary>
    public DateTime? CompletedAt { get; set; }

    /// <summary>Time limit, if any.</summary>
    public DateTime? ExpiresAt { get; set; }
}

/// <summary>Session status values.</summary>
public static class SessionStatus
{
    /// <summary>In progress.</summary>
    public const string Active = "active";

    /// <summary>Ended by a stopping rule or by the student.</summary>
    public const string Completed = "completed";

    /// <summary>Ended by the cleanup worker after inactivity.</summary>
    public const string Abandoned = "abandoned";
}

/// <summary>One answered item: written once, acknowledged only after it commits.</summary>
public sealed class AttemptEntity
{
    /// <summary>Session.</summary>
    public Guid SessionId { get; set; }

    /// <summary>1-based position in the exam.</summary>
    public int Seq { get; set; }

    /// <summary>Item answered.</summary>
    public long ItemId { get; set; }

    /// <summary>Chosen option index.</summary>
    public int Response { get; set; }

    /// <summary>Whether it matched the answer key.</summary>
    public bool Correct { get; set; }

    /// <summary>θ after this answer.</summary>
    public double ThetaAfter { get; set; }

    /// <summary>SE after this answer (null when infinite).</summary>
    public double? SeAfter { get; set; }

    /// <summary>When the item was served.</summary>
    public DateTime ServedAt { get; set; }

    /// <summary>When the answer arrived.</summary>
    public DateTime AnsweredAt { get; set; }

    /// <summary>The item served after this answer and why (JSON <c>ItemChoice</c>); null when this answer ended the exam.</summary>
    public string? NextSelection { get; set; }
}

/// <summary>A student's long-term ability in a subject (topic "") or one of its topics.</summary>
public sealed class StudentProficiencyEntity
{
    /// <summary>Student.</summary>
    public required string StudentId { get; set; }

    /// <summary>Subject.</summary>
    public required string Subject { get; set; }

    /// <summary>Topic, or "" for the whole subject.</summary>
    public string Topic { get; set; } = string.Empty;

    /// <summary>Ability.</summary>
    public double Theta { get; set; }

    /// <summary>Its standard error (null when infinite).</summary>
    public double? Se { get; set; }

    /// <summary>Completed sessions that contributed.</summary>
    public int Sessions { get; set; }

    /// <summary>Last update.</summary>
    public DateTime UpdatedAt { get; set; }
}
