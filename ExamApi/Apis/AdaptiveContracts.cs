using System.Text.Json;
using System.Text.Json.Serialization;
using ExamStore.Sessions;

namespace ExamApi.Apis;

// Request fields are nullable so that a missing field is reported by name (400) instead of defaulting silently.

/// <summary>
/// Body of <c>POST /api/adaptive/start</c>: the student and the exam design (or the subject, for its default design).
/// Any other field is refused by name: how the exam runs is the design's to say, not the student's client's.
/// </summary>
internal sealed record StartExamRequest(string? StudentId, string? DesignId, string? Subject)
{
    /// <summary>Fields the request does not define (e.g. maxItems), collected so they can be refused by name.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? OtherFields { get; init; }
}

/// <summary>Body of <c>POST /api/adaptive/answer</c>: the chosen option index for the current item.</summary>
internal sealed record AnswerRequest(string? SessionId, long? ItemId, int? Response);

/// <summary>Body of <c>POST /api/adaptive/complete</c>.</summary>
internal sealed record CompleteExamRequest(string? SessionId);

/// <summary>Body of <c>POST /api/adaptive/{sessionId}/extend</c>: the new time to live of the session's hot state.</summary>
internal sealed record ExtendSessionRequest(int? Seconds);

/// <summary>The session's hot state time to live after an extension.</summary>
internal sealed record SessionExtended(int TtlSeconds);

/// <summary>A session's audit trail: every step with why its item was chosen.</summary>
internal sealed record ExamHistory(Guid SessionId, string State, string? StopReason, ExamClassification? Classification, IReadOnlyList<ExamHistoryStep> Steps);

/// <summary>The remaining time to live of an active exam's hot state (the abandonment clock).</summary>
internal sealed record SessionTimeToLive(Guid SessionId, int TtlSeconds);

/// <summary>A student's long-term proficiency in every subject they completed an exam in.</summary>
internal sealed record StudentProficiency(string StudentId, IReadOnlyList<SubjectProficiency> Subjects);

/// <summary>Proficiency in one subject, overall and per topic.</summary>
internal sealed record SubjectProficiency(string Subject, double Theta, double? Se, int Sessions, DateTime UpdatedAt, IReadOnlyDictionary<string, TopicProficiency> Topics);

/// <summary>Proficiency in one topic.</summary>
internal sealed record TopicProficiency(double Theta, double? Se, int Sessions, DateTime UpdatedAt);
