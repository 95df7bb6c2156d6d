using System.Diagnostics;
using ExamApi.Extensions;
using ExamStore.Bank;
using ExamStore.Data;
using ExamStore.HotState;
using ExamStore.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ExamApi.Apis;

/// <summary>An active session as the activity index and its hot state describe it.</summary>
public sealed record ActiveSessionSummary(
    Guid SessionId,
    DateTime LastActivity,
    int IdleSeconds,
    bool HotState,
    string? Subject,
    int? Answered,
    int? MaxItems,
    double? Theta,
    double? Se,
    DateTime? ExpiresAt);

/// <summary>One page of active sessions, most recently active first.</summary>
public sealed record ActiveSessionPage(long Total, int Offset, int Limit, IReadOnlyList<ActiveSessionSummary> Sessions);

/// <summary>Redis numbers for the debug endpoint.</summary>
public sealed record RedisStats(long ActiveSessions, long ActiveLocks, long CachedQuestions, double MemoryUsedMb, long TotalKeys, double? HitRate);

/// <summary>A manual cleanup request.</summary>
public sealed record CleanupRequest(double? InactivityMinutes);

/// <summary>What a cleanup did; <c>skipped</c> is true when another sweep was running (then nothing was expired).</summary>
public sealed record CleanupResult(int Expired, bool Skipped);

/// <summary>Redis reachability as seen from this instance.</summary>
public sealed record RedisHealthReport(string Redis, double? LatencyMs, DateTime Timestamp);

/// <summary>
/// Operations endpoints: the active sessions (from the activity index), Redis statistics, the manual cleanup trigger
/// (the same sweep the CleanupWorker runs) and a Redis health probe. All but the probe need the admin key.
/// </summary>
internal static class MonitoringApi
{
    /// <summary>Largest page of active sessions.</summary>
    public const int MaxLimit = 1000;

    /// <summary>Deepest page start of the active-session listing (each page merges the index's shards up to it).</summary>
    public const int MaxOffset = 100_000;

    /// <summary>Longest inactivity threshold a manual cleanup accepts (one week).</summary>
    public const double MaxInactivityMinutes = 10_080;

    // PING budget of /health/redis: an unreachable server must not hold the probe for the client's full timeout.
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(1);

    // INFO is an admin command for StackExchange.Redis, and the shared connection is not an admin connection; a script
    // may call it, and DBSIZE with it, in the same round trip.
    private const string MemoryAndSizeScript = "return {redis.call('INFO', 'memory'), redis.call('DBSIZE')}";

    private const string MemoryAndSizeScriptName = "the INFO memory and DBSIZE script";

    public static IEndpointRouteBuilder MapMonitoringApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api").WithTags("Monitoring (admin)").RequireAdminKey()
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        admin.MapGet("/adaptive/active", GetActiveSessions).WithName("GetActiveSessions")
            .WithSummary("Active sessions, most recently active first, from the activity index (no keyspace scan)");
        admin.MapGet("/debug/redis/stats", GetRedisStats).WithName("GetRedisStats")
            .WithSummary("Redis numbers: active sessions, locks, cached questions, memory, keys, question cache hit rate");
        admin.MapPost("/sessions/cleanup", CleanupSessions).WithName("CleanupSessions")
            .WithSummary("Run the cleanup sweep now with the given inactivity threshold")
            .Accepts<CleanupRequest>("application/json");

        app.MapGet("/health/redis", GetRedisHealth).WithTags("Monitoring").WithName("GetRedisHealth")
            .WithSummary("Redis reachability and PING latency (200 when up, 503 when down)");
        return app;
    }

    public static async Task<Results<Ok<ActiveSessionPage>, ProblemHttpResult>> GetActiveSessions(
        [AsParameters] MonitoringServices services, int? offset, int? limit)
    {
        var start = offset ?? 0;
        var take = limit ?? 100;
        if (start is < 0 or > MaxOffset) return Invalid("offset", $"offset must be between 0 and {MaxOffset}.");
        if (take is < 1 or > MaxLimit) return Invalid("limit", $"limit must be between 1 and {MaxLimit}.");
        try
        {
            var total = await services.HotState.ActiveCountAsync();
            var entries = await services.HotState.RecentSessionsAsync(start, take);
            // The loads are issued together; the multiplexer pipelines them into one batch of round trips.
            var ids = entries.Select(e => e.SessionId).ToArray();
            var states = await Task.WhenAll(ids.Select(services.HotState.LoadAsync));
            var maxItems = new int?[states.Length];
            for (var k = 0; k < states.Length; k++)
            {
                // Redis keeps no θ/SE; they are replayed from the answers with the subject's bank and the session's design.
                if (states[k] is not { } state || await services.Banks.GetAsync(state.Subject) is not { } snapshot) continue;
                var design = await services.Designs.ByKeyAsync(state.DesignKey, CancellationToken.None);
                states[k] = ExamEngine.WithEstimate(snapshot, design, state);
                maxItems[k] = design.Definition.Stopping?.MaxItems;
            }
            var now = services.Clock.GetUtcNow().UtcDateTime;
            var sessions = new ActiveSessionSummary[ids.Length];
            for (var k = 0; k < ids.Length; k++)
            {
                var lastActivity = entries[k].LastActivity;
                var state = states[k];
                sessions[k] = new ActiveSessionSummary(ids[k], lastActivity, (int)Math.Max(0, (now - lastActivity).TotalSeconds), state is not null,
                    state?.Subject, state?.Exam.Count, maxItems[k], state is { Exam.HasEstimate: true } ? state.Exam.Theta : null,
                    state is not null && double.IsFinite(state.Exam.StandardError) ? state.Exam.StandardError : null, state?.ExpiresAt);
            }
            return TypedResults.Ok(new ActiveSessionPage(total, start, take, sessions));
        }
        catch (Exception error) when (RedisHealth.IsRedisFailure(error))
        {
            return RedisUnavailable();
        }
    }

    public static async Task<Results<Ok<RedisStats>, ProblemHttpResult>> GetRedisStats([AsParameters] MonitoringServices services)
    {
        try
        {
            var activeTask = services.HotState.ActiveCountAsync();
            // Memory and key counts are per server: the sum over the primaries (one, or each master of a cluster).
            var primaries = RedisPrimaries.Of(services.Redis);
            var memoryAndSizeTasks = primaries.Select(server => server.ExecuteAsync("EVAL", MemoryAndSizeScript, 0)).ToArray();
            // Locks and cached questions have no index of their own, so they are counted with SCAN: fine for a debug
            // endpoint, not for a hot path.
            var locksTask = RedisPrimaries.CountKeysAsync(services.Redis, "ex:{*}:lock");
            var questionsTask = RedisPrimaries.CountKeysAsync(services.Redis, "question:*");
            long usedMemory = 0, totalKeys = 0;
            foreach (var reply in await Task.WhenAll(memoryAndSizeTasks))
            {
                var memoryAndSize = RedisReplies.Array(reply, MemoryAndSizeScriptName, minLength: 2);
                // A server whose INFO lacks the field reports 0, as before.
                usedMemory += RedisReplies.InfoField(RedisReplies.Text(memoryAndSize[0], MemoryAndSizeScriptName), "used_memory") ?? 0;
                totalKeys += RedisReplies.Integer(memoryAndSize[1], MemoryAndSizeScriptName);
            }

            var hitRate = services.Questions.HitRate;
            return TypedResults.Ok(new RedisStats(
                await activeTask,
                await locksTask,
                await questionsTask,
                Math.Round(usedMemory / (1024.0 * 1024.0), 3),
                totalKeys,
                double.IsNaN(hitRate) ? null : hitRate));
        }
        catch (Exception error) when (RedisHealth.IsRedisFailure(error))
        {
            return RedisUnavailable();
        }
    }

    public static async Task<Results<Ok<CleanupResult>, ProblemHttpResult>> CleanupSessions(
        HttpRequest httpRequest, SessionSweeper sweeper, IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        var (request, problem) = await ItemsApi.ReadBodyAsync<CleanupRequest>(httpRequest, json.Value.SerializerOptions, cancellationToken);
        if (problem is not null) return problem;
        var minutes = request?.InactivityMinutes ?? SessionSweeper.DefaultInactivity.TotalMinutes;
        if (!double.IsFinite(minutes) || minutes < 0 || minutes > MaxInactivityMinutes)
            return Invalid("inactivityMinutes", $"inactivityMinutes must be between 0 and {MaxInactivityMinutes}.");
        try
        {
            var outcome = await sweeper.SweepAsync(TimeSpan.FromMinutes(minutes), cancellationToken);
            return TypedResults.Ok(new CleanupResult(outcome.Expired, !outcome.Ran));
        }
        catch (Exception error) when (DatabaseFailures.IsUnavailable(error) || error is ExamException { Kind: ExamErrorKind.Unavailable })
        {
            return ItemsApi.DatabaseUnavailable();
        }
    }

    public static async Task<Results<Ok<RedisHealthReport>, JsonHttpResult<RedisHealthReport>>> GetRedisHealth(IConnectionMultiplexer redis, TimeProvider clock)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            var ping = redis.GetDatabase().PingAsync();
            if (await Task.WhenAny(ping, Task.Delay(PingTimeout)) == ping)
            {
                await ping;
                return TypedResults.Ok(new RedisHealthReport("up", Math.Round(watch.Elapsed.TotalMilliseconds, 3), clock.GetUtcNow().UtcDateTime));
            }
            ObserveLater(ping);
        }
        catch (Exception error) when (RedisHealth.IsRedisFailure(error))
        {
            // Reported as down below.
        }
        return TypedResults.Json(new RedisHealthReport("down", null, clock.GetUtcNow().UtcDateTime), statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    // A PING that outlived its budget still completes or faults later; observe it so the fault is not unobserved.
    private static void ObserveLater(Task ping) => ping.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);

    private static ProblemHttpResult Invalid(string field, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: $"Invalid {field}",
            extensions: new Dictionary<string, object?> { ["field"] = field });

    private static ProblemHttpResult RedisUnavailable() =>
        TypedResults.Problem("Redis is unreachable; exams continue from Postgres, but this view needs Redis.",
            statusCode: StatusCodes.Status503ServiceUnavailable, title: "Redis unavailable");
}

/// <summary>What the monitoring endpoints need.</summary>
internal sealed record MonitoringServices(IConnectionMultiplexer Redis, SessionStateStore HotState, QuestionCache Questions, ItemBankCache Banks, ExamStore.Designs.ExamDesignStore Designs, TimeProvider Clock);
