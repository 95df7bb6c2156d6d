using System.Globalization;
using StackExchange.Redis;

namespace LoadGenerator.Faults;

/// <summary>
/// The eviction scenario: during the load Redis gets allkeys-lru and a maxmemory half its dataset below what it uses,
/// so it evicts at once and keeps evicting as the examinees write: session states go under their feet and must be
/// rebuilt from Postgres. Evicted keys are counted by kind through keyspace events. Afterwards the previous
/// maxmemory, policy and event settings are restored.
/// </summary>
internal static class RedisEviction
{
    public static async Task<(LoadReport, List<FaultCheck>, Dictionary<string, double>)> RunAsync(ExamTarget target, FaultOptions options, CancellationToken cancellationToken)
    {
        // CONFIG and INFO are admin commands; the password is in the connection string.
        using var redis = await ConnectionMultiplexer.ConnectAsync(target.RedisConnectionString + ",allowAdmin=true");
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        string[] settings = ["maxmemory", "maxmemory-policy", "notify-keyspace-events"];
        var previous = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var setting in settings) previous[setting] = (await server.ConfigGetAsync(setting)).Single().Value;

        var evictedStates = 0;
        var evictedLocks = 0;
        var evictedQuestions = 0;
        var evictedOther = 0;
        var subscriber = redis.GetSubscriber();
        await subscriber.SubscribeAsync(RedisChannel.Literal("__keyevent@0__:evicted"), (_, key) =>
        {
            var name = (string)key!;
            if (name.StartsWith("ex:{", StringComparison.Ordinal)) Interlocked.Increment(ref name.EndsWith(":lock", StringComparison.Ordinal) ? ref evictedLocks : ref evictedStates);
            else if (name.StartsWith("question:", StringComparison.Ordinal)) Interlocked.Increment(ref evictedQuestions);
            else Interlocked.Increment(ref evictedOther);
        });
        long evictedBefore = 0, usedAtBegin = 0, datasetAtBegin = 0, limit = 0;
        var restored = false;
        async Task RestoreAsync()
        {
            foreach (var setting in settings) await server.ConfigSetAsync(setting, previous[setting]);
            restored = true;
        }
        try
        {
            (LoadReport load, List<FaultCheck> checks, Dictionary<string, double> figures) = await LoadUnderFault.RunAsync(target, options, new Fault(
                async _ =>
                {
                    await server.ConfigSetAsync("notify-keyspace-events", "Ee");
                    evictedBefore = await InfoAsync(server, "stats", "evicted_keys");
                    usedAtBegin = await InfoAsync(server, "memory", "used_memory");
                    datasetAtBegin = await InfoAsync(server, "memory", "used_memory_dataset");
                    limit = usedAtBegin - datasetAtBegin / 2;
                    await server.ConfigSetAsync("maxmemory-policy", "allkeys-lru");
                    await server.ConfigSetAsync("maxmemory", limit.ToString(CultureInfo.InvariantCulture));
                },
                _ => RestoreAsync()), cancellationToken);
            var evicted = await InfoAsync(server, "stats", "evicted_keys") - evictedBefore;
            figures["usedMemoryAtBeginBytes"] = usedAtBegin;
            figures["datasetAtBeginBytes"] = datasetAtBegin;
            figures["maxmemoryBytes"] = limit;
            figures["evictedKeys"] = evicted;
            figures["evictedSessionStates"] = evictedStates;
            figures["evictedSessionLocks"] = evictedLocks;
            figures["evictedQuestions"] = evictedQuestions;
            figures["evictedOtherKeys"] = evictedOther;
            checks.Insert(0, new FaultCheck("session states were evicted under the load", evicted > 0 && evictedStates > 0,
                $"{evicted} keys evicted ({evictedStates} session states, {evictedLocks} session locks, {evictedQuestions} cached questions, {evictedOther} others) " +
                $"with allkeys-lru and maxmemory {limit} B = {usedAtBegin} B used − half the {datasetAtBegin} B dataset"));
            var failed = load.Errors.Where(e => !e.Key.EndsWith(" 409", StringComparison.Ordinal)).ToArray();
            checks.Add(new FaultCheck("no request failed while evicting", failed.Length == 0,
                failed.Length == 0 ? "none" : string.Join("; ", failed.Select(e => $"{e.Key} × {e.Value}: {load.ErrorExamples.GetValueOrDefault(e.Key)}"))));
            return (load, checks, figures);
        }
        finally
        {
            if (!restored) await RestoreAsync();
            await subscriber.UnsubscribeAllAsync();
        }
    }

    private static async Task<long> InfoAsync(IServer server, string section, string field)
    {
        var groups = await server.InfoAsync(section);
        var value = groups.SelectMany(g => g).First(pair => pair.Key == field).Value;
        return long.Parse(value, CultureInfo.InvariantCulture);
    }
}
