using ExamApi.Extensions;
using ExamStore.HotState;
using ExamStore.Practice;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ExamApi.Apis;

/// <summary>
/// The practice cache layers under /api/cache (admin key): clear one student's or subject's entries, and per-layer
/// statistics (the same hits and misses are exported as OpenTelemetry counters).
/// </summary>
internal static class CacheApi
{
    public static IEndpointRouteBuilder MapCacheApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/cache").WithTags("Cache (admin)").RequireAdminKey()
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        group.MapPost("/clear", ClearCache).WithName("ClearCache")
            .WithSummary("Delete exactly one student's ({userId}) or one subject's ({subjectId}) practice cache entries; returns how many keys went")
            .Accepts<CacheClearRequest>("application/json");
        group.MapGet("/stats", GetCacheStats).WithName("GetCacheStats")
            .WithSummary("Per layer: hits, misses and hit rate since start and over the last 5 minutes, keys and bytes in Redis");
        return app;
    }

    public static async Task<Results<Ok<CacheCleared>, ProblemHttpResult>> ClearCache(HttpContext context, PracticeCache cache, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
    {
        var (request, problem) = await JsonRequestBody.ReadAsync<CacheClearRequest>(context.Request, json.Value.SerializerOptions, context.RequestAborted);
        if (problem is not null) return problem;
        if (request!.UserId is not null && request.SubjectId is not null) return ExamProblems.Invalid("subjectId", "Give userId or subjectId, not both.");
        var (scope, field, id) = request.UserId is { } user ? (CacheScope.Student, "userId", user)
            : request.SubjectId is { } subject ? (CacheScope.Subject, "subjectId", subject)
            : (CacheScope.Student, "body", null);
        if (id is null) return ExamProblems.Invalid("body", "Give userId or subjectId.");
        if (string.IsNullOrWhiteSpace(id) || id.Length > 100) return ExamProblems.Invalid(field, $"{field} must be 1 to 100 characters.");
        try
        {
            var deleted = await cache.ClearAsync(scope, id);
            return TypedResults.Ok(new CacheCleared(scope == CacheScope.Student ? "user" : "subject", id, deleted));
        }
        catch (Exception error) when (RedisHealth.IsRedisFailure(error))
        {
            return TypedResults.Problem("Redis is unreachable; nothing was cleared (entries expire with their TTL).",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Redis unavailable");
        }
    }

    public static async Task<Ok<CacheStats>> GetCacheStats(PracticeCache cache, CacheStatistics statistics, TimeProvider clock, CancellationToken cancellationToken)
    {
        IReadOnlyList<LayerSize>? sizes;
        try
        {
            sizes = await cache.MeasureAsync(cancellationToken);
        }
        catch (Exception error) when (RedisHealth.IsRedisFailure(error))
        {
            sizes = null;
        }
        var counts = statistics.Read();
        var layers = CacheLayer.All.Select((layer, k) => new CacheLayerStats(
            layer.Name,
            layer.Pattern,
            (int)layer.Ttl.TotalSeconds,
            Lookups(counts[k].Hits, counts[k].Misses),
            Lookups(counts[k].RecentHits, counts[k].RecentMisses),
            sizes?[k].Keys,
            sizes?[k].Bytes)).ToArray();
        return TypedResults.Ok(new CacheStats(clock.GetUtcNow().UtcDateTime, sizes is null ? "down" : "up", layers));
    }

    private static LookupCounts Lookups(long hits, long misses) => new(hits, misses, hits + misses == 0 ? null : (double)hits / (hits + misses));
}
