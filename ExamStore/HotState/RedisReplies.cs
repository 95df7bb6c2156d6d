using System.Globalization;
using StackExchange.Redis;

namespace ExamStore.HotState;

/// <summary>
/// Reads the untyped replies of Lua scripts and ad-hoc commands (<see cref="RedisResult"/>), checking their shape
/// instead of trusting a cast. A reply of another shape throws <see cref="RedisException"/>, which callers already
/// treat as a Redis failure (<see cref="RedisHealth.IsRedisFailure"/>), rather than a cast or null-reference error.
/// Shapes are checked by <see cref="RedisResult.Resp2Type"/>, so RESP3's richer types (map, double, boolean) read as
/// their RESP2 equivalents.
/// </summary>
public static class RedisReplies
{
    /// <summary>The elements of an array reply with at least <paramref name="minLength"/> of them.</summary>
    public static RedisResult[] Array(RedisResult reply, string command, int minLength = 0)
    {
        if (reply.Resp2Type != ResultType.Array || reply.IsNull || reply.Length < minLength)
            throw Unexpected(command, $"an array of at least {minLength} element(s)", reply);
        return (RedisResult[])reply!;
    }

    /// <summary>The value of an integer reply.</summary>
    public static long Integer(RedisResult reply, string command)
    {
        if (reply.Resp2Type != ResultType.Integer || reply.IsNull) throw Unexpected(command, "an integer", reply);
        return (long)reply;
    }

    /// <summary>The bytes of a bulk string reply, or null for a nil reply.</summary>
    public static byte[]? BytesOrNull(RedisResult reply, string command)
    {
        if (reply.IsNull) return null;
        if (reply.Resp2Type != ResultType.BulkString) throw Unexpected(command, "a bulk string", reply);
        return (byte[]?)reply;
    }

    /// <summary>The text of a string reply; a RESP3 verbatim string (e.g. INFO sent directly) loses its <c>txt:</c> prefix.</summary>
    public static string Text(RedisResult reply, string command)
    {
        if (reply.IsNull || reply.Resp2Type is not (ResultType.BulkString or ResultType.SimpleString))
            throw Unexpected(command, "a string", reply);
        return reply.ToString(out _) ?? "";
    }

    /// <summary>A numeric field of an INFO reply (<c>name:value</c> lines between <c># Section</c> headers), or null when absent.</summary>
    public static long? InfoField(string info, string field)
    {
        foreach (var line in info.AsSpan().EnumerateLines())
        {
            var trimmed = line.Trim();
            if (trimmed.Length > field.Length && trimmed[field.Length] == ':' && trimmed.StartsWith(field, StringComparison.Ordinal)
                && long.TryParse(trimmed[(field.Length + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
                return value;
        }
        return null;
    }

    private static RedisException Unexpected(string command, string expected, RedisResult reply) =>
        new($"Unexpected reply to {command}: expected {expected}, got {(reply.IsNull ? "nil" : reply.Resp3Type.ToString())}.");
}
