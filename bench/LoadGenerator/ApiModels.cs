using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoadGenerator;

/// <summary>The body of <c>POST /api/adaptive/start</c>.</summary>
internal sealed record StartRequest(string StudentId, string DesignId);

/// <summary>An item as served; the generator only needs its id.</summary>
internal sealed record ServedItem(long Id);

/// <summary>The parts of a started exam the generator uses.</summary>
internal sealed record StartResponse(Guid SessionId, string Token, ServedItem Item);

/// <summary>The body of <c>POST /api/adaptive/answer</c>.</summary>
internal sealed record AnswerRequest(Guid SessionId, long ItemId, int Response);

/// <summary>The parts of a recorded answer the generator uses.</summary>
internal sealed record StatusResponse(Guid SessionId, string Status, int Answered, double Theta);

internal sealed record AnswerResponse(int Answered, double Theta, double? Se, bool Done, ServedItem? NextItem);

/// <summary>The body of <c>POST /api/adaptive/complete</c>.</summary>
internal sealed record CompleteRequest(Guid SessionId);

/// <summary>The parts of an exam summary the generator uses.</summary>
internal sealed record CompleteResponse(Guid SessionId, string State, double Theta, double? Se, int Answered);

/// <summary>An item to import (<c>POST /api/items/import</c>).</summary>
internal sealed record ItemInput(string Subject, string Topic, string Content, string[] Options, int AnswerKey, double A, double B, double C, double D);

/// <summary>An item as the admin API lists it, topic, answer key and IRT parameters included.</summary>
internal sealed record ItemView(long Id, string Subject, string Topic, string[] Options, int AnswerKey, double A, double B, double C, double D, string Status);

/// <summary>One page of <c>GET /api/items</c>.</summary>
internal sealed record ItemPage(ItemView[] Items, int Page, int PageSize, int Total);

/// <summary>The answer of an import.</summary>
internal sealed record ImportResponse(int Imported);

/// <summary>The body of <c>POST /api/practice/sessions</c>.</summary>
internal sealed record PracticeStartRequest(string StudentId, string Subject, int Size, long Seed);

/// <summary>A topic a practice section draws from, the θ its items were chosen at and why it is there.</summary>
internal sealed record PracticeTopicView(string Topic, double Theta, string Reason);

/// <summary>A practice question; the generator needs its item.</summary>
internal sealed record PracticeQuestionView(int Position, long ItemId, string Topic);

/// <summary>A labelled practice section.</summary>
internal sealed record PracticeSectionView(string Name, PracticeTopicView[] Topics, PracticeQuestionView[] Questions);

/// <summary>The parts of a generated practice session the generator uses.</summary>
internal sealed record PracticeStartResponse(Guid SessionId, string Token, long Seed, PracticeSectionView[] Sections, string[] Notes);

/// <summary>The body of <c>POST /api/practice/sessions/{id}/answers</c>.</summary>
internal sealed record PracticeAnswerRequest(long ItemId, int Response);

/// <summary>The parts of a recorded practice answer the generator uses.</summary>
internal sealed record PracticeAnswerResponse(long ItemId, int Response, bool Correct, int Answered, int Remaining);

/// <summary>The parts of a practice completion summary the generator uses.</summary>
internal sealed record PracticeCompleteResponse(Guid SessionId, string Status, int Questions, int Answered);

/// <summary>The body of <c>POST /api/cache/clear</c>: one of the two.</summary>
internal sealed record CacheClearRequest(string? UserId, string? SubjectId);

/// <summary>What a cache clear removed.</summary>
internal sealed record CacheClearResponse(string Scope, string Id, long KeysDeleted);

/// <summary>Lookups of a cache layer served from Redis (hits) and from Postgres (misses).</summary>
internal sealed record CacheLookupCounts(long Hits, long Misses);

/// <summary>One layer of <c>GET /api/cache/stats</c>: the instance's lookups since it started.</summary>
internal sealed record CacheLayerStatsView(string Layer, CacheLookupCounts SinceStart);

/// <summary>The parts of <c>GET /api/cache/stats</c> the generator uses.</summary>
internal sealed record CacheStatsResponse(string Redis, CacheLayerStatsView[] Layers);

/// <summary>The body of <c>POST /api/students/{id}/tokens</c>.</summary>
internal sealed record StudentTokenRequest(int LifetimeSeconds);

/// <summary>A student token: the credential a start carries.</summary>
internal sealed record StudentTokenResponse(string StudentId, string Token);

/// <summary>The ProblemDetails title, which tells a retryable 409 ("Answer in progress") from a final one, and its detail.</summary>
internal sealed record ProblemBody(string? Title, string? Detail);

/// <summary>Source-generated JSON for the request and response bodies: the generator shares the CPU with the server.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(StartRequest))]
[JsonSerializable(typeof(StartResponse))]
[JsonSerializable(typeof(AnswerRequest))]
[JsonSerializable(typeof(AnswerResponse))]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(CompleteRequest))]
[JsonSerializable(typeof(CompleteResponse))]
[JsonSerializable(typeof(ItemInput[]))]
[JsonSerializable(typeof(ImportResponse))]
[JsonSerializable(typeof(ItemPage))]
[JsonSerializable(typeof(PracticeStartRequest))]
[JsonSerializable(typeof(PracticeStartResponse))]
[JsonSerializable(typeof(PracticeAnswerRequest))]
[JsonSerializable(typeof(PracticeAnswerResponse))]
[JsonSerializable(typeof(PracticeCompleteResponse))]
[JsonSerializable(typeof(CacheClearRequest))]
[JsonSerializable(typeof(CacheClearResponse))]
[JsonSerializable(typeof(CacheStatsResponse))]
[JsonSerializable(typeof(StudentTokenRequest))]
[JsonSerializable(typeof(StudentTokenResponse))]
[JsonSerializable(typeof(ProblemBody))]
internal sealed partial class ApiJson : JsonSerializerContext;
