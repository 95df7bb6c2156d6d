using Engine.State;
using ExamStore.HotState;
using StackExchange.Redis;

namespace ExamStore.Tests;

/// <summary>
/// Reading the raw replies of the hot state's scripts, INFO and SCAN as StackExchange.Redis 2.x hands them over:
/// every expected shape reads, any other shape is a <see cref="RedisException"/> (a Redis failure to the callers).
/// </summary>
public sealed class RedisRepliesTests
{
    private static readonly DateTime Now = new(2026, 12, 1, 9, 0, 0, DateTimeKind.Utc);

    private static RedisResult Integer(long value) => RedisResult.Create(value);

    private static RedisResult Bulk(RedisValue value) => RedisResult.Create(value, ResultType.BulkString);

    private static RedisResult Array(params RedisResult[] elements) => RedisResult.Create(elements);

    [Fact]
    public void LockAndLoadReadsLockedByAnotherNoStateAndAState()
    {
        var state = new SessionHotState("math", 3, 7, 42, Now, Now, null,
            new ExamState([4, 9], [1, 0], 0.1, 0.5, 17, finished: false));

        var busy = SessionStateStore.ReadLockAndLoad(Array(Integer(0)), "t");
        var empty = SessionStateStore.ReadLockAndLoad(Array(Integer(1)), "t");
        var loaded = SessionStateStore.ReadLockAndLoad(Array(Integer(1), Bulk(state.ToBytes())), "t");

        Assert.False(busy.Acquired);
        Assert.True(empty.Acquired);
        Assert.Null(empty.State);
        Assert.True(loaded.Acquired);
        Assert.Equal("t", loaded.Token);
        Assert.Equal([4, 9], loaded.State!.Exam.Items.ToArray());
        Assert.Equal(17, loaded.State.Exam.CurrentItem);
    }

    [Fact]
    public void LockAndLoadTreatsAnUnreadableStateAsMissing()
    {
        var result = SessionStateStore.ReadLockAndLoad(Array(Integer(1), Bulk(new byte[] { 99, 1, 2 })), "t");

        Assert.True(result.Acquired);
        Assert.Null(result.State);
    }

    public static TheoryData<RedisResult> MalformedLockAndLoadReplies => new()
    {
        Integer(1),                        // not an array
        Array(),                           // no lock flag
        Array(Bulk("1")),                  // the flag as a string
        Array(Integer(1), Integer(5)),     // the state as a number
        RedisResult.Create(RedisValue.Null),
    };

    [Theory]
    [MemberData(nameof(MalformedLockAndLoadReplies))]
    public void LockAndLoadRefusesAnyOtherShape(RedisResult reply)
    {
        var error = Assert.Throws<RedisException>(() => SessionStateStore.ReadLockAndLoad(reply, "t"));
        Assert.Contains("lock-and-load", error.Message);
    }

    [Fact]
    public void IntegerReadsIntegersOnly()
    {
        Assert.Equal(1, RedisReplies.Integer(Integer(1), "x"));
        Assert.Throws<RedisException>(() => RedisReplies.Integer(Bulk("1"), "x"));
        Assert.Throws<RedisException>(() => RedisReplies.Integer(RedisResult.Create(RedisValue.Null), "x"));
    }

    [Fact]
    public void InfoFieldFindsTheExactFieldOnCrlfLines()
    {
        const string info = "# Memory\r\nused_memory_rss:9000\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\n";

        Assert.Equal(1_048_576, RedisReplies.InfoField(info, "used_memory"));
        Assert.Equal(9000, RedisReplies.InfoField(info, "used_memory_rss"));
        Assert.Null(RedisReplies.InfoField(info, "used_memory_human"));
        Assert.Null(RedisReplies.InfoField(info, "maxmemory"));
    }

    [Fact]
    public void TextReadsBulkAndVerbatimStrings()
    {
        Assert.Equal("# Memory\r\nused_memory:5\r\n", RedisReplies.Text(Bulk("# Memory\r\nused_memory:5\r\n"), "INFO"));
        // RESP3 sends INFO as a verbatim string with a format prefix.
        var verbatim = RedisResult.Create("txt:# Memory\r\nused_memory:5\r\n", ResultType.VerbatimString);
        Assert.Equal(5, RedisReplies.InfoField(RedisReplies.Text(verbatim, "INFO"), "used_memory"));
        Assert.Throws<RedisException>(() => RedisReplies.Text(Integer(5), "INFO"));
    }
}
