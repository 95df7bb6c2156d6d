using ExamStore.HotState;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ExamStore.Practice;

/// <summary>Keys and bytes one cache layer holds in Redis now.</summary>
public sealed record LayerSize(string Layer, long Keys, long Bytes);

/// <summary>
/// The practice cache layers in Redis, read-through: an entry is read from Redis, else loaded (from Postgres) and
/// written back with its layer's TTL. Values are compact binary and never hold an answer key. Each write also lists
/// the key in its scope's index set, so clearing a student or subject deletes exactly its keys without a scan.
/// While Redis is unavailable (<see cref="RedisHealth"/>) every read loads directly, and writes and drops are skipped.
/// </summary>
public sealed partial class PracticeCache(IConnectionMultiplexer redis, RedisHealth health, CacheStatistics statistics, ILogger<PracticeCache> logger)
{
    /// <summary>How long a scope's epoch lives after its last read: far longer than any load it guards.</summary>
    public static readonly TimeSpan EpochTtl = TimeSpan.FromMinutes(10);

    // Reads an entry and its scope's epoch, creating the epoch ("0") if needed and renewing it, so that a drop during
    // the load that may follow a miss finds it and moves it. Scopes nobody reads have no epoch: an exam answer of a
    // student who never practises leaves nothing behind. KEYS: entry, epoch.
    private const string ReadScript = """
        redis.call('SET', KEYS[2], '0', 'NX')
        redis.call('PEXPIRE', KEYS[2], ARGV[1])
        return {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2])}
        """;

    // Writes only while the scope's epoch is the one read before the load; an unconditional write passes ARGV[5] = 0.
    // KEYS: entry, epoch, index.
    private const string WriteScript = """
        if ARGV[5] == '1' and (redis.call('GET', KEYS[2]) or '') ~= ARGV[1] then return 0 end
        redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
        redis.call('SADD', KEYS[3], KEYS[1])
        if redis.call('PTTL', KEYS[3]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[3], ARGV[4]) end
        return 1
        """;

    // Moves the epoch (if a read made one), then deletes the named entries. KEYS: epoch, index, entries…; returns how
    // many existed.
    private const string DropScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('INCR', KEYS[1]) end
        local dropped = 0
        for i = 3, #KEYS do
            dropped = dropped + redis.call('DEL', KEYS[i])
            redis.call('SREM', KEYS[2], KEYS[i])
        end
        return dropped
        """;

    // Moves the epoch (if a read made one), then deletes every entry the index lists and the index. KEYS: epoch, index.
    // The entries share the index's hash tag, so in a cluster they are in the slot the script runs on.
    private const string ClearScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('INCR', KEYS[1]) end
        local cleared = 0
        for _, key in ipairs(redis.call('SMEMBERS', KEYS[2])) do
            cleared = cleared + redis.call('DEL', key)
        end
        redis.call('DEL', KEYS[2])
        return cleared
        """;

    private const string ReadScriptName = "the cache read script";

    // Keys per SCAN page, and MEMORY USAGE requests per pipelined round.
    private const int ScanPageSize = 1000;

    private IDatabase Database => redis.GetDatabase();

    /// <summary>
    /// The entry of <paramref name="layer"/> for <paramref name="scopeId"/> (and <paramref name="suffix"/>): from Redis,
    /// else from <paramref name="load"/>, written back unless the load returned null (nothing to cache),
    /// <paramref name="cacheable"/> refuses the value, or the scope was invalidated meanwhile. A value Redis holds in
    /// another format counts as absent.
    /// </summary>
    public async Task<T?> GetOrLoadAsync<T>(
        CacheLayer layer, string scopeId, string? suffix, Func<Task<T?>> load, Func<T, byte[]> encode, Func<byte[], T> decode,
        Func<T, bool>? cacheable = null)
        where T : class
    {
        var key = PracticeCacheKeys.Entry(layer, scopeId, suffix);
        var epochKey = PracticeCacheKeys.Epoch(layer.Scope, scopeId);
        string? epoch = null;
        if (health.IsAvailable)
        {
            try
            {
                var values = RedisReplies.Array(await Database.ScriptEvaluateAsync(ReadScript, [key, epochKey], [(long)EpochTtl.TotalMilliseconds]), ReadScriptName, 2);
                health.ReportSuccess();
                epoch = RedisReplies.Text(values[1], ReadScriptName);
                if (RedisReplies.BytesOrNull(values[0], ReadScriptName) is { } value && TryDecode(value, decode) is { } cached)
                {
                    statistics.Hit(layer);
                    return cached;
                }
            }
            catch (Exception error) when (RedisHealth.IsRedisFailure(error))
            {
                health.ReportFailure(error);
            }
        }
        statistics.Miss(layer);
        var loaded = await load();
        if (loaded is not null && epoch is not null && (cacheable?.Invoke(loaded) ?? true)) await WriteAsync(layer, scopeId, key, encode(loaded), epoch, checkEpoch: true);
        return loaded;
    }

    /// <summary>Writes an entry that was just made (a generated session), without the epoch check.</summary>
    public Task PutAsync(CacheLayer layer, string scopeId, string? suffix, byte[] value) =>
        health.IsAvailable ? WriteAsync(layer, scopeId, PracticeCacheKeys.Entry(layer, scopeId, suffix), value, "", checkEpoch: false) : Task.CompletedTask;

    /// <summary>
    /// Drops what a new practice attempt, or an exam that starts or ends, makes stale: the student's performance and their weak, current and
    /// revision topics in <paramref name="subject"/>. Nothing else. Returns how many entries existed; 0 when Redis is
    /// unavailable (then the entries expire with their TTL).
    /// </summary>
    public async Task<long> DropStudentActivityAsync(string studentId, string subject)
    {
        if (!health.IsAvailable) return 0;
        try
        {
            var dropped = RedisReplies.Integer(await Database.ScriptEvaluateAsync(DropScript, StudentActivityKeys(studentId, subject)), "the drop script");
            health.ReportSuccess();
            return dropped;
        }
        catch (Exception error) when (RedisHealth.IsRedisFailure(error))
        {
            health.ReportFailure(error);
            LogDropFailed(studentId, subject, error.Message);
            return 0;
        }
    }

    /// <summary>
    /// Deletes every entry of a student or subject (a subject's: its configuration and question sets) listed in its
    /// index set; returns how many keys went. Redis unavailable is a <see cref="RedisException"/> for the caller.
    /// </summary>
    public async Task<long> ClearAsync(CacheScope scope, string scopeId) =>
        RedisReplies.Integer(await Database.ScriptEvaluateAsync(ClearScript,
            [PracticeCacheKeys.Epoch(scope, scopeId), PracticeCacheKeys.Index(scope, scopeId)]), "the clear script");

    /// <summary>
    /// <see cref="ClearAsync"/> for an item change: never throws (with Redis unreachable the entries expire with
    /// their TTL).
    /// </summary>
    public async Task ForgetSubjectAsync(string subject)
    {
        if (!health.IsAvailable) return;
        try
        {
            await ClearAsync(CacheScope.Subject, subject);
        }
        catch (Exception error) when (RedisHealth.IsRedisFailure(error))
        {
            health.ReportFailure(error);
            LogDropFailed("", subject, error.Message);
        }
    }

    /// <summary>
    /// Keys and bytes (MEMORY USAGE) of each layer, found with an incremental SCAN of the keyspace of every primary (one
    /// Redis, or each master of a cluster): an administrator's view, proportional to the keyspace, never used by
    /// generation or clearing.
    /// </summary>
    public async Task<IReadOnlyList<LayerSize>> MeasureAsync(CancellationToken cancellationToken)
    {
        var keys = CacheLayer.All.ToDictionary(layer => layer, _ => 0L);
        var bytes = CacheLayer.All.ToDictionary(layer => layer, _ => 0L);
        foreach (var server in RedisPrimaries.Of(redis))
        {
            var page = new List<(RedisKey Key, CacheLayer Layer)>(ScanPageSize);
            // StackExchange.Redis walks the SCAN cursor; MEMORY USAGE goes out a page at a time, pipelined.
            await foreach (var key in server.KeysAsync(pattern: "*", pageSize: ScanPageSize).WithCancellation(cancellationToken))
            {
                if (CacheLayer.Of(key.ToString()) is { } layer) page.Add((key, layer));
                if (page.Count == ScanPageSize) await MeasurePageAsync(server, page, keys, bytes);
            }
            await MeasurePageAsync(server, page, keys, bytes);
        }

        return CacheLayer.All.Select(layer => new LayerSize(layer.Name, keys[layer], bytes[layer])).ToArray();
    }

    private static async Task MeasurePageAsync(IServer server, List<(RedisKey Key, CacheLayer Layer)> page, Dictionary<CacheLayer, long> keys, Dictionary<CacheLayer, long> bytes)
    {
        var sizes = await Task.WhenAll(page.Select(entry => server.ExecuteAsync("MEMORY", "USAGE", entry.Key)));
        for (var k = 0; k < page.Count; k++)
        {
            // A key that expired between SCAN and MEMORY USAGE answers nil.
            if (sizes[k].IsNull) continue;
            keys[page[k].Layer]++;
            bytes[page[k].Layer] += RedisReplies.Integer(sizes[k], "MEMORY USAGE");
        }
        page.Clear();
    }

    /// <summary>The keys <see cref="DropStudentActivityAsync"/> passes: epoch, index, then the four entries.</summary>
    public static RedisKey[] StudentActivityKeys(string studentId, string subject) =>
    [
        PracticeCacheKeys.Epoch(CacheScope.Student, studentId),
        PracticeCacheKeys.Index(CacheScope.Student, studentId),
        PracticeCacheKeys.Entry(CacheLayer.UserPerformance, studentId),
        PracticeCacheKeys.Entry(CacheLayer.WeakConcepts, studentId, subject),
        PracticeCacheKeys.Entry(CacheLayer.CurrentTopics, studentId, subject),
        PracticeCacheKeys.Entry(CacheLayer.RevisionTopics, studentId, subject),
    ];

    private async Task WriteAsync(CacheLayer layer, string scopeId, string key, byte[] value, string epoch, bool checkEpoch)
    {
        try
        {
            await Database.ScriptEvaluateAsync(WriteScript,
                [key, PracticeCacheKeys.Epoch(layer.Scope, scopeId), PracticeCacheKeys.Index(layer.Scope, scopeId)],
                [epoch, value, (long)layer.Ttl.TotalMilliseconds, (long)CacheLayer.LongestTtl(layer.Scope).TotalMilliseconds, checkEpoch ? "1" : "0"]);
        }
        catch (Exception error) when (RedisHealth.IsRedisFailure(error))
        {
            // The value was served; the next read loads it again.
            health.ReportFailure(error);
        }
    }

    private static T? TryDecode<T>(byte[] value, Func<byte[], T> decode) where T : class
    {
        try
        {
            return decode(value);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not drop the practice cache entries of student '{StudentId}', subject '{Subject}' ({Reason}); they expire with their TTL")]
    private partial void LogDropFailed(string studentId, string subject, string reason);
}
