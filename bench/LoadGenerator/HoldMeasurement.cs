using System.Diagnostics;
using System.Globalization;
using ExamStore.HotState;
using StackExchange.Redis;

namespace LoadGenerator;

/// <summary>Redis memory held by active sessions.</summary>
/// <param name="Sessions">Sessions held active (started and answered as asked, not ended).</param>
/// <param name="AnswersEach">Answers given in each.</param>
/// <param name="UsedMemoryBefore">
/// INFO memory <c>used_memory</c> before opening them, less the replication buffers (the backlog and the replicas' output).
/// </param>
/// <param name="UsedMemoryAfter">The same with them open.</param>
/// <param name="ActiveIndexBefore">ZCARD of the activity index before.</param>
/// <param name="ActiveIndexAfter">ZCARD of the activity index with them open.</param>
/// <param name="StateValueBytes">STRLEN of one held session's state value.</param>
/// <param name="StateKeyMemoryUsage">MEMORY USAGE of that key (value, key and allocator overhead), when the server has the command.</param>
/// <param name="QuestionKeysAdded">Question cache keys that appeared meanwhile: they are in the delta but are not per session.</param>
/// <param name="Rebuild">
/// Status reads of held sessions whose Redis state was deleted: a replay from Postgres, HTTP included; after
/// <see cref="HoldMeasurement.RebuildWarmup"/> untimed ones.
/// </param>
/// <param name="ServerRebuild">
/// The same rebuilds as ExamApi timed them (its <c>Server-Timing</c> header: the session row and its answers read, the
/// replay; the request around it excluded), when it sends the header; else empty.
/// </param>
public sealed record HoldResult(
    int Sessions, int AnswersEach, long UsedMemoryBefore, long UsedMemoryAfter, long ActiveIndexBefore, long ActiveIndexAfter,
    long StateValueBytes, long? StateKeyMemoryUsage, long QuestionKeysAdded, LatencySummary Rebuild, LatencySummary ServerRebuild)
{
    /// <summary>The used_memory delta per held session, everything included (state, activity index entry, allocator).</summary>
    public double BytesPerSession => Sessions == 0 ? 0 : (UsedMemoryAfter - UsedMemoryBefore) / (double)Sessions;
}

/// <summary>
/// Opens <see cref="LoadOptions.HoldSessions"/> sessions, answers <see cref="LoadOptions.HoldAnswers"/> items in each
/// (maxItems is larger, so they stay active), reads Redis's used_memory before and after, then completes them.
/// </summary>
internal static class HoldMeasurement
{
    // More than the answers given, so no held session ends by its length; at most the bank.
    private const int SpareItems = 10;

    // Sessions whose rebuild from Postgres is timed (the "rebuild" latency row).
    private const int RebuildSamples = 500;

    // Rebuilds run untimed first. The hold is the first time the run takes this path, so its first calls pay for EF
    // Core compiling the query and for the JIT's first tiers (tier 1 comes only after 30 calls and a quiet 100 ms):
    // start-up costs of the process, not of a rebuild. Held sessions beyond these are timed.
    public const int RebuildWarmup = 100;

    public static async Task<HoldResult> RunAsync(LoadContext context, ExamTarget target, CancellationToken cancellationToken)
    {
        var options = ConfigurationOptions.Parse(target.RedisConnectionString);
        options.AllowAdmin = true;
        using var redis = await ConnectionMultiplexer.ConnectAsync(options);
        var database = redis.GetDatabase();
        var index = new SessionStateStore(redis, new HotStateOptions());

        var usedBefore = await UsedMemoryAsync(redis);
        var indexBefore = await index.ActiveCountAsync();
        var questionsBefore = await RedisPrimaries.CountKeysAsync(redis, "question:*", cancellationToken);

        var answers = context.Options.HoldAnswers;
        var maxItems = Math.Min(answers + SpareItems, context.Bank.Count);
        var examinees = Enumerable.Range(0, context.Options.HoldSessions).Select(_ => context.NewExaminee(maxItems)).ToArray();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = context.Options.Concurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(examinees, parallel, async (examinee, token) =>
        {
            if (!await examinee.PersistAsync(Examinee.Start, token)) return;
            while (examinee.Answered < answers && !examinee.Done)
            {
                if (!await examinee.PersistAsync(Examinee.Answer, token)) return;
            }
        });
        var held = examinees.Where(e => e.Started && !e.Done && e.Answered == answers).ToArray();

        var usedAfter = await UsedMemoryAsync(redis);
        var indexAfter = await index.ActiveCountAsync();
        var questionsAfter = await RedisPrimaries.CountKeysAsync(redis, "question:*", cancellationToken);
        long stateBytes = 0;
        long? memoryUsage = null;
        if (held.Length > 0)
        {
            var key = SessionStateStore.StateKey(held[0].SessionId);
            stateBytes = await database.StringLengthAsync(key);
            memoryUsage = await MemoryUsageAsync(database, key);
        }

        // Rebuild latency: the state of each held session (up to RebuildSamples after the warm-up) is deleted, then a
        // status read replays its answers from Postgres and writes it back; one at a time, so each is timed alone.
        var warmup = Math.Min(RebuildWarmup, held.Length / 2);
        foreach (var examinee in held.Take(warmup)) await RebuildAsync(database, examinee, cancellationToken);
        var rebuildTicks = new List<long>();
        var serverMark = context.Metrics.ServerRebuildCount;
        foreach (var examinee in held.Skip(warmup).Take(RebuildSamples)) rebuildTicks.Add(await RebuildAsync(database, examinee, cancellationToken));

        await Parallel.ForEachAsync(examinees.Where(e => e.Started), parallel, async (examinee, token) => await examinee.PersistAsync(Examinee.Complete, token));
        return new HoldResult(held.Length, answers, usedBefore, usedAfter, indexBefore, indexAfter, stateBytes, memoryUsage, questionsAfter - questionsBefore,
            LatencySummary.FromTicks([.. rebuildTicks]), context.Metrics.ServerRebuildsSince(ref serverMark));
    }

    // Deletes the session's state, then reads its status (which rebuilds it); returns how long the read took.
    private static async Task<long> RebuildAsync(IDatabase database, Examinee examinee, CancellationToken cancellationToken)
    {
        await database.KeyDeleteAsync(SessionStateStore.StateKey(examinee.SessionId));
        var began = Stopwatch.GetTimestamp();
        if (!await examinee.ReadStatusAsync(cancellationToken)) throw new InvalidOperationException($"The status of held session {examinee.SessionId} could not be read after its Redis state was deleted.");
        return Stopwatch.GetTimestamp() - began;
    }

    // Summed over the primaries: one Redis, or the masters of a cluster (replicas hold copies, not more sessions). A
    // master with replicas also counts its replication buffers in used_memory: the backlog fills with whatever is
    // written, up to its 1 MB, and would otherwise be spread over the sessions held.
    private static async Task<long> UsedMemoryAsync(IConnectionMultiplexer redis)
    {
        long total = 0;
        foreach (var server in RedisPrimaries.Of(redis))
        {
            var info = (await server.InfoAsync("memory")).SelectMany(group => group).ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
            var used = info.GetValueOrDefault("used_memory") ?? throw new InvalidOperationException("Redis INFO memory has no used_memory (Garnet does not report it).");
            total += long.Parse(used, CultureInfo.InvariantCulture);
            total -= ReplicationBuffers(info);
        }

        return total;
    }

    // Redis 7 shares one buffer between the backlog and the replicas' output; Redis 6 reports the two apart.
    private static long ReplicationBuffers(Dictionary<string, string> info)
    {
        long Field(string name) => info.TryGetValue(name, out var value) ? long.Parse(value, CultureInfo.InvariantCulture) : 0;
        return info.ContainsKey("mem_total_replication_buffers") ? Field("mem_total_replication_buffers") : Field("mem_replication_backlog") + Field("mem_clients_slaves");
    }

    private static async Task<long?> MemoryUsageAsync(IDatabase database, string key)
    {
        try
        {
            var result = await database.ScriptEvaluateAsync("return redis.call('MEMORY', 'USAGE', KEYS[1])", [key]);
            return result.IsNull ? null : (long)result;
        }
        catch (RedisServerException)
        {
            return null;
        }
    }
}
