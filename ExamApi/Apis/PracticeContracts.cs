namespace ExamApi.Apis;

// Request fields are nullable so that a missing field is reported by name (400) instead of defaulting silently.

/// <summary>Shares of the sections; a missing share is 0.</summary>
internal sealed record PracticeMixRequest(double? Weak, double? Current, double? Revision);

/// <summary>Body of <c>POST /api/practice/sessions</c>; null optional fields take the defaults.</summary>
internal sealed record StartPracticeRequest(string? StudentId, string? Subject, int? Size, PracticeMixRequest? Mix, long? Seed);

/// <summary>Body of <c>POST /api/practice/sessions/{sessionId}/answers</c>.</summary>
internal sealed record PracticeAnswerRequest(long? ItemId, int? Response);

/// <summary>Body of <c>POST /api/cache/clear</c>: exactly one of the two.</summary>
internal sealed record CacheClearRequest(string? UserId, string? SubjectId);

/// <summary>What a clear removed.</summary>
internal sealed record CacheCleared(string Scope, string Id, long KeysDeleted);

/// <summary>Hits, misses and hit rate over a period.</summary>
internal sealed record LookupCounts(long Hits, long Misses, double? HitRate);

/// <summary>One layer's numbers: lookups since start and in the last five minutes, and what Redis holds now (null when Redis is unreachable).</summary>
internal sealed record CacheLayerStats(string Layer, string KeyPattern, int TtlSeconds, LookupCounts SinceStart, LookupCounts LastFiveMinutes, long? Keys, long? Bytes);

/// <summary>Every layer's numbers.</summary>
internal sealed record CacheStats(DateTime Timestamp, string Redis, IReadOnlyList<CacheLayerStats> Layers);
