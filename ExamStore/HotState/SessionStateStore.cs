using System.Buffers.Text;
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
/// activity index (sorted sets by last activity) so listing and cleanup never scan the keyspace. Every key of a
/// session carries its id as a hash tag so that a session's keys share a Redis Cluster slot.
/// </summary>
/// <remarks>
/// Memory per session is what bounds how many exams one Redis holds, so the layout is chosen for it: keys are the
/// id's 22 base64url characters behind a short prefix (up to 28 bytes fit Redis's 32-byte allocation), and the
/// activity index is split into <see cref="ActivityShards"/> sorted sets so that each stays small enough for Redis's
/// compact listpack encoding (128 entries by default: up to about 32,000 sessions), where an entry of a 16-byte member
/// and a score in Unix seconds costs about 25 bytes instead of the ~120 of a skiplist entry.
/// </remarks>
public sealed class SessionStateStore(IConnectionMultiplexer redis, HotStateOptions options)
{
    /// <summary>Number of sorted sets the activity index is split into (by the last byte of the session id).</summary>
    public const int ActivityShards = 256;

    /// <summary>The activity index's keys: member = the session id's 16 bytes, score = last activity in Unix seconds.</summary>
    public static IReadOnlyList<string> ActivityIndexKeys { get; } =
        Enumerable.Range(0, ActivityShards).Select(shard => $"exams:active:{{{shard:x2}}}").ToArray();

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

    private const string LockAndLoadScriptName = "the lock-and-load script";

    private IDatabase Database => redis.GetDatabase();

    /// <summary>The key of a session's state.</summary>
    public static string StateKey(Guid sessionId) => SessionKey(sessionId, "");

    /// <summary>The key of a session's submission lock.</summary>
    public static string LockKey(Guid sessionId) => SessionKey(sessionId, ":lock");

    /// <summary>Where a session sits in the activity index: the shard's key and the member.</summary>
    public static (string Key, RedisValue Member) ActivityEntry(Guid sessionId)
    {
        var member = sessionId.ToByteArray();
        return (ActivityIndexKeys[member[15]], member);
    }

    /// <summary>The session id of an activity index member.</summary>
    public static Guid SessionIdOf(RedisValue member) => new((byte[])member!);

    /// <summary>The key of a cached question (content and options only, never the answer key).</summary>
    public static string QuestionKey(long itemId) => $"question:{itemId}";

    /// <summary>The configured options.</summary>
    public HotStateOptions Options => options;

    /// <summary>Takes the submission lock and reads the state in one round trip.</summary>
    public async Task<SessionLock> LockAndLoadAsync(Guid sessionId)
    {
        var token = Guid.NewGuid().ToString("N");
        var reply = await Database.ScriptEvaluateAsync(
            LockAndLoadScript,
            [StateKey(sessionId), LockKey(sessionId)],
            [token, (long)options.LockTimeout.TotalMilliseconds]);
        return ReadLockAndLoad(reply, token);
    }

    /// <summary>Reads the lock-and-load script's reply: <c>{0}</c> (locked by another), <c>{1}</c> (no state) or <c>{1, state}</c>.</summary>
    public static SessionLock ReadLockAndLoad(RedisResult reply, string token)
    {
        var fields = RedisReplies.Array(reply, LockAndLoadScriptName, minLength: 1);
        if (RedisReplies.Integer(fields[0], LockAndLoadScriptName) == 0) return new SessionLock(false, token, null);
        var state = fields.Length > 1 ? RedisReplies.BytesOrNull(fields[1], LockAndLoadScriptName) : null;
        return new SessionLock(true, token, state is null ? null : Read(state));
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
        var indexed = Index(batch, sessionId, state);
        batch.Execute();
        await Task.WhenAll(saved, indexed);
        return RedisReplies.Integer(saved.Result, "the save-and-unlock script") == 1;
    }

    /// <summary>Writes a state without a lock (a new session, or one rebuilt from Postgres) and indexes it.</summary>
    public async Task SaveAsync(Guid sessionId, SessionHotState state)
    {
        var batch = Database.CreateBatch();
        var set = batch.StringSetAsync(StateKey(sessionId), state.ToBytes(), options.SessionTtl);
        var indexed = Index(batch, sessionId, state);
        batch.Execute();
        await Task.WhenAll(set, indexed);
    }

    /// <summary>
    /// Writes a state rebuilt without the lock, only where Redis has none, in one round trip with its index entry and a
    /// read of the time to live of whichever state Redis then holds (this one, or a newer one an answer wrote meanwhile).
    /// </summary>
    public async Task<TimeSpan?> SaveIfAbsentAsync(Guid sessionId, SessionHotState state)
    {
        var batch = Database.CreateBatch();
        var set = batch.StringSetAsync(StateKey(sessionId), state.ToBytes(), options.SessionTtl, When.NotExists);
        // GT: an answer that saved a newer state meanwhile has indexed a later activity, which this must not move back.
        var indexed = Index(batch, sessionId, state, SortedSetWhen.GreaterThan);
        var ttl = batch.KeyTimeToLiveAsync(StateKey(sessionId));
        batch.Execute();
        await Task.WhenAll(set, indexed, ttl);
        return ttl.Result;
    }

    /// <summary>Releases the lock if this token still holds it.</summary>
    public async Task ReleaseAsync(Guid sessionId, string token)
    {
        await Database.ScriptEvaluateAsync(ReleaseScript, [LockKey(sessionId)], [token]);
    }

    /// <summary>The state without locking (for reads), or null when Redis has none.</summary>
    public async Task<SessionHotState?> LoadAsync(Guid sessionId)
    {
        var value = await Database.StringGetAsync(StateKey(sessionId));
        return value.IsNull ? null : Read((byte[])value!);
    }

    /// <summary>The state and its remaining time to live in one round trip; both null when Redis has none.</summary>
    public async Task<(SessionHotState? State, TimeSpan? TimeToLive)> LoadWithTimeToLiveAsync(Guid sessionId)
    {
        var batch = Database.CreateBatch();
        var value = batch.StringGetAsync(StateKey(sessionId));
        var ttl = batch.KeyTimeToLiveAsync(StateKey(sessionId));
        batch.Execute();
        await Task.WhenAll(value, ttl);
        var state = value.Result.IsNull ? null : Read((byte[])value.Result!);
        return state is null ? (null, null) : (state, ttl.Result);
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
        var (indexKey, member) = ActivityEntry(sessionId);
        var index = batch.SortedSetRemoveAsync(indexKey, member);
        batch.Execute();
        await Task.WhenAll(state, lockKey, index);
    }

    /// <summary>Sessions in the activity index whose last activity is at or before <paramref name="until"/>, oldest first.</summary>
    public async Task<IReadOnlyList<(Guid SessionId, DateTime LastActivity)>> ActiveSessionsAsync(DateTime until, int take = 1000)
    {
        var batch = Database.CreateBatch();
        var reads = ActivityIndexKeys.Select(key => batch.SortedSetRangeByScoreWithScoresAsync(key, double.NegativeInfinity, ToScore(until), take: take)).ToArray();
        batch.Execute();
        return Merge(await Task.WhenAll(reads), Order.Ascending, 0, take);
    }

    /// <summary>A page of the activity index, most recently active first.</summary>
    public async Task<IReadOnlyList<(Guid SessionId, DateTime LastActivity)>> RecentSessionsAsync(int offset, int take)
    {
        var batch = Database.CreateBatch();
        var reads = ActivityIndexKeys.Select(key => batch.SortedSetRangeByRankWithScoresAsync(key, 0, offset + take - 1, Order.Descending)).ToArray();
        batch.Execute();
        return Merge(await Task.WhenAll(reads), Order.Descending, offset, take);
    }

    /// <summary>Number of sessions in the activity index.</summary>
    public async Task<long> ActiveCountAsync()
    {
        var batch = Database.CreateBatch();
        var counts = ActivityIndexKeys.Select(key => batch.SortedSetLengthAsync(key)).ToArray();
        batch.Execute();
        return (await Task.WhenAll(counts)).Sum();
    }

    private static Task<bool> Index(IDatabaseAsync database, Guid sessionId, SessionHotState state, SortedSetWhen when = SortedSetWhen.Always)
    {
        var (key, member) = ActivityEntry(sessionId);
        return database.SortedSetAddAsync(key, member, ToScore(state.LastActivity), when);
    }

    private static IReadOnlyList<(Guid SessionId, DateTime LastActivity)> Merge(SortedSetEntry[][] shards, Order order, int skip, int take)
    {
        var entries = shards.SelectMany(shard => shard);
        entries = order == Order.Ascending ? entries.OrderBy(e => e.Score) : entries.OrderByDescending(e => e.Score);
        return entries.Skip(skip).Take(take).Select(e => (SessionIdOf(e.Element), DateTimeOffset.FromUnixTimeSeconds((long)e.Score).UtcDateTime)).ToArray();
    }

    // A value this version cannot read (another format, damage) is treated as missing: it is rebuilt from Postgres.
    private static SessionHotState? Read(byte[] value)
    {
        try
        {
            return SessionHotState.FromBytes(value);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    // "ex:{" + the id's 16 bytes as 22 base64url characters + "}" + suffix, written straight into the key: each answer
    // makes four of these keys.
    private static string SessionKey(Guid sessionId, string suffix) =>
        string.Create(KeyIdStart + KeyIdLength + 1 + suffix.Length, (sessionId, suffix), static (key, parts) =>
        {
            Span<byte> id = stackalloc byte[16];
            parts.sessionId.TryWriteBytes(id);
            "ex:{".CopyTo(key);
            Base64Url.EncodeToChars(id, key.Slice(KeyIdStart, KeyIdLength));
            key[KeyIdStart + KeyIdLength] = '}';
            parts.suffix.CopyTo(key[(KeyIdStart + KeyIdLength + 1)..]);
        });

    private const int KeyIdStart = 4;
    private const int KeyIdLength = 22;

    private static double ToScore(DateTime time) => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToUnixTimeSeconds();
}
