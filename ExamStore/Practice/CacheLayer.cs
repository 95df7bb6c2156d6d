namespace ExamStore.Practice;

/// <summary>Whose entries a cache layer holds: one student's, or one subject's.</summary>
public enum CacheScope
{
    /// <summary>Keys carry the student id as their hash tag.</summary>
    Student,

    /// <summary>Keys carry the subject as their hash tag.</summary>
    Subject,
}

/// <summary>
/// One layer of the practice caches: its name (in stats and metrics), its key prefix and pattern, its time to live and
/// its scope.
/// Every key of a scope carries the scope's id as a Redis Cluster hash tag, so a student's (or a subject's) entries,
/// their index set and their epoch share one slot and can be changed together by one script.
/// </summary>
public sealed record CacheLayer(string Name, string Prefix, string Pattern, TimeSpan Ttl, CacheScope Scope)
{
    /// <summary><c>user:performance:{student}</c>: proficiencies, topic statistics and recent answers of every subject.</summary>
    public static readonly CacheLayer UserPerformance = new("user-performance", "user:performance:", "user:performance:{userId}", TimeSpan.FromMinutes(30), CacheScope.Student);

    /// <summary><c>session:config:{subject}</c>: the subject's topics and the session defaults.</summary>
    public static readonly CacheLayer SessionConfig = new("session-config", "session:config:", "session:config:{subject}", TimeSpan.FromHours(2), CacheScope.Subject);

    /// <summary><c>questions:subject:{subject}:topic</c>: a topic's active questions (stem and options, never the key).</summary>
    public static readonly CacheLayer QuestionSets = new("question-sets", "questions:subject:", "questions:subject:{subject}:topic", TimeSpan.FromHours(1), CacheScope.Subject);

    /// <summary><c>current:topics:{student}:subject</c>: the topics of the student's recent attempts.</summary>
    public static readonly CacheLayer CurrentTopics = new("current-topics", "current:topics:", "current:topics:{userId}:subject", TimeSpan.FromMinutes(30), CacheScope.Student);

    /// <summary><c>weak:concepts:{student}:subject</c>: the student's weakest topics.</summary>
    public static readonly CacheLayer WeakConcepts = new("weak-concepts", "weak:concepts:", "weak:concepts:{userId}:subject", TimeSpan.FromHours(1), CacheScope.Student);

    /// <summary><c>revision:topics:{student}:subject</c>: the topics due for review.</summary>
    public static readonly CacheLayer RevisionTopics = new("revision-topics", "revision:topics:", "revision:topics:{userId}:subject", TimeSpan.FromHours(1), CacheScope.Student);

    /// <summary><c>practice:session:{student}:sessionId</c>: a generated session's questions (never the keys).</summary>
    public static readonly CacheLayer PracticeSessions = new("practice-sessions", "practice:session:", "practice:session:{userId}:sessionId", TimeSpan.FromHours(24), CacheScope.Student);

    /// <summary>Every layer, in the order stats list them.</summary>
    public static IReadOnlyList<CacheLayer> All { get; } =
        [UserPerformance, SessionConfig, QuestionSets, CurrentTopics, WeakConcepts, RevisionTopics, PracticeSessions];

    /// <summary>The longest time to live of a scope's layers: how long its index set must outlive its last write.</summary>
    public static TimeSpan LongestTtl(CacheScope scope) => All.Where(layer => layer.Scope == scope).Max(layer => layer.Ttl);

    /// <summary>The layer a key belongs to, or null for another key (the exam hot state, an index set, an epoch).</summary>
    public static CacheLayer? Of(string key) => All.FirstOrDefault(layer => key.StartsWith(layer.Prefix, StringComparison.Ordinal));
}
