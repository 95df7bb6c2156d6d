using StackExchange.Redis;

namespace ExamStore.HotState;

/// <summary>Options of the Redis hot state.</summary>
public sealed class HotStateOptions
{
    /// <summary>Sliding time to live of an active session's state (default 30 minutes).</summary>
    public TimeSpan SessionTtl { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a submission lock is held at most before Redis drops it (default 5 s).</summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time to live of cached question content (default 1 hour).</summary>
    public TimeSpan QuestionTtl { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>The outcome of trying to lock a session for an answer.</summary>
/// <param name="Acquired">False when another request holds the lock.</param>
/// <param name="Token">The lock token to release with.</param>
/// <param name="State">The session's state, or null when Redis has none (expired, evicted, flushed: rebuild from Postgres).</param>
public readonly record struct SessionLock(bool Acquired, string Token, SessionHotState? State);

/// <summary>
/// Active sessions' hot state in Redis: one compact value per session with a sliding TTL, a submission lock, and an
/// activity index (sorted set by last activity) so listing and cleanup never scan the keyspace. Every key of a
/// session carries its id as a hash tag so that a session's keys share a Redis Cluster slot.
/// </summary>
public sealed class SessionStateStore(IConnectionMultiplexer redis, HotStateOptions options)
{
    /// <summary>The activity index: member = session id ("N" format), score = last activity in Unix ms.</summary>
    public const string ActivityIndexKey = "exams:active";

    // Lock and read in one round trip. A Lua nil inside a table would end the array, so a missing state is {1}.
    private const string LockAndLoadScript = """
        if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
            local state = redis.call('GET', KEYS[1])
            if state then return {1, state} end
            return {1}
        end
        return {0}
        """;

    // Write and unlock only while still holding the lock. A holder whose lock expired drops the state instead of
    // writing it, so the next request rebuilds from Postgres rather than trusting a value written without the lock.
    private const string SaveAndUnlockScript = """
        if redis.call('GET', KEYS[2]) == ARGV[1] then
            redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
            redis.call('DEL', KEYS[2])
            return 1
        end
        redis.call('DEL', KEYS[1])
        return 0
        """;

    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    private IDatabase Database => redis.GetDatabase();

    /// <summary>The key of a session's state.</summary>
    public static string StateKey(Guid sessionId) => $"exam:{{{sessionId:N}}}";

    /// <summary>The key of a session's submission lock.</summary>
    public static string LockKey(Guid sessionId) => $"exam:{{{sessionId:N}}}:lock";

    /// <summary>The key of a cached question (content and options only, never the answer key).</summary>
    public static string QuestionKey(long itemId) => $"question:{itemId}";

    /// <summary>The configured options.</summary>
    public HotStateOptions Options => options;

    /// <summary>Takes the submission lock and reads the state in one round trip.</summary>
    public async Task<SessionLock> LockAndLoadAsync(Guid sessionId)
    {
        var token = Guid.NewGuid().ToString("N");
        var result = (RedisResult[])(await Database.ScriptEvaluateAsync(
            LockAndLoadScript,
            [StateKey(sessionId), LockKey(sessionId)],
            [token, (long)options.LockTimeout.TotalMilliseconds]))!;
        if ((long)result[0] == 0) return new SessionLock(false, token, null);
        return new SessionLock(true, token, result.Length > 1 ? SessionHotState.FromBytes((byte[])result[1]!) : null);
    }

    /// <summary>
    /// Writes the state with a fresh TTL and releases the lock, and moves the session in the activity index, in one
    /// round trip. Returns false when the lock had expired (the state was dropped instead of written).
    /// </summary>
    public async Task<bool> SaveAndUnlockAsync(Guid sessionId, string token, SessionHotState state)
    {
        var batch = Database.CreateBatch();
        var saved = batch.ScriptEvaluateAsync(
            SaveAndUnlockScript,
            [StateKey(sessionId), LockKey(sessionId)],
            [token, state.ToBytes(), (long)options.SessionTtl.TotalMilliseconds]);
        var indexed = batch.SortedSetAddAsync(ActivityIndexKey, sessionId.ToString("N"), ToScore(state.LastActivity));
        batch.Execute();
        await Task.WhenAll(saved, indexed);
        return (long)saved.Result == 1;
    }

    /// <summary>Writes a state without a lock (a new session, or one rebuilt from Postgres) and indexes it.</summary>
    public async Task SaveAsync(Guid sessionId, SessionHotState state)
    {
        var batch = Database.CreateBatch();
        var set = batch.StringSetAsync(StateKey(sessionId), state.ToBytes(), options.SessionTtl);
        var indexed = batch.SortedSetAddAsync(ActivityIndexKey, sessionId.ToString("N"), ToScore(state.LastActivity));
        batch.Execute();
        await Task.WhenAll(set, indexed);
    }

    /// <summary>Writes a state rebuilt without the lock, only where Redis has none; false when it had one.</summary>
    public async Task<bool> SaveIfAbsentAsync(Guid sessionId, SessionHotState state)
    {
        if (!await Database.StringSetAsync(StateKey(sessionId), state.ToBytes(), options.SessionTtl, When.NotExists)) return false;
        await Database.SortedSetAddAsync(ActivityIndexKey, sessionId.ToString("N"), ToScore(state.LastActivity));
        return true;
    }

    /// <summary>Releases the lock if this token still holds it.</summary>
    public Task ReleaseAsync(Guid sessionId, string token) =>
        Database.ScriptEvaluateAsync(ReleaseScript, [LockKey(sessionId)], [token]);

    /// <summary>The state without locking (for reads), or null when Redis has none.</summary>
    public async Task<SessionHotState?> LoadAsync(Guid sessionId)
    {
        var value = await Database.StringGetAsync(StateKey(sessionId));
        return value.IsNull ? null : SessionHotState.FromBytes((byte[])value!);
    }

    /// <summary>Remaining time to live of the state, or null when it does not exist.</summary>
    public Task<TimeSpan?> TimeToLiveAsync(Guid sessionId) => Database.KeyTimeToLiveAsync(StateKey(sessionId));

    /// <summary>Sets the state's time to live; false when the state does not exist.</summary>
    public Task<bool> ExpireAsync(Guid sessionId, TimeSpan ttl) => Database.KeyExpireAsync(StateKey(sessionId), ttl);

    /// <summary>Removes a session's state, lock and index entry (completion, abandonment).</summary>
    public async Task RemoveAsync(Guid sessionId)
    {
        var batch = Database.CreateBatch();
        var state = batch.KeyDeleteAsync(StateKey(sessionId));
        var lockKey = batch.KeyDeleteAsync(LockKey(sessionId));
        var index = batch.SortedSetRemoveAsync(ActivityIndexKey, sessionId.ToString("N"));
        batch.Execute();
        await Task.WhenAll(state, lockKey, index);
    }

    /// <summary>Sessions in the activity index whose last activity is at or before <paramref name="until"/>, oldest first.</summary>
    public async Task<IReadOnlyList<(Guid SessionId, DateTime LastActivity)>> ActiveSessionsAsync(DateTime until, int take = 1000)
    {
        var entries = await Database.SortedSetRangeByScoreWithScoresAsync(ActivityIndexKey, double.NegativeInfinity, ToScore(until), take: take);
        return entries.Select(e => (Guid.ParseExact(e.Element.ToString(), "N"), DateTimeOffset.FromUnixTimeMilliseconds((long)e.Score).UtcDateTime)).ToArray();
    }

    /// <summary>Number of sessions in the activity index.</summary>
    public Task<long> ActiveCountAsync() => Database.SortedSetLengthAsync(ActivityIndexKey);

    private static double ToScore(DateTime time) => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
}
