using System.Buffers.Binary;
using System.Text;
using Engine.State;
using ExamStore.Sessions;

namespace ExamStore.HotState;

/// <summary>
/// Everything an API instance needs to process the next answer of an active session without reading Postgres:
/// the engine state (items as bank indices, responses, θ, SE, current item) plus the session's design version and clocks.
/// It never holds an answer key or item content. Read back from Redis it has no θ and SE (see <see cref="ToBytes"/>).
/// </summary>
/// <param name="Subject">Subject, which selects the item bank.</param>
/// <param name="BankVersion">The bank version the session started on.</param>
/// <param name="DesignKey">The key of the exam design version the session runs (see <see cref="Designs.DesignVersion"/>).</param>
/// <param name="Seed">Seed of the session's item selection randomness (see <see cref="SelectionSeed"/>).</param>
/// <param name="LastActivity">Start or last answer.</param>
/// <param name="ServedAt">When the current item was served.</param>
/// <param name="ExpiresAt">Time limit, if any.</param>
/// <param name="Exam">The engine state.</param>
public sealed record SessionHotState(
    string Subject,
    long BankVersion,
    long DesignKey,
    int Seed,
    DateTime LastActivity,
    DateTime ServedAt,
    DateTime? ExpiresAt,
    ExamState Exam)
{
    private const byte FormatVersion = 3;
    private const byte HasExpiry = 0b0001;
    private const int MaxHeader = 2 + 2 * 10 + 4 + 3 * 10 + 10;

    /// <summary>
    /// The seed of the selection made after <paramref name="answered"/> answers. Deriving it from the session seed and
    /// the position makes every choice reproducible, so a session rebuilt from Postgres serves the same item.
    /// </summary>
    public static int SelectionSeed(int seed, int answered) => unchecked(seed * 486_187_739 + answered * 16_777_619) & int.MaxValue;

    /// <summary>
    /// Compact binary form: format, flags (whether an expiry follows), varint bank version and design key, the seed, varint times in Unix milliseconds (served and expiry as offsets from the last
    /// activity), the subject, then the engine state without θ and SE (<see cref="ExamEngine.WithEstimate"/> replays
    /// them bit for bit where a reader needs them; the answer path does not). About 70 bytes with 30 answers from a
    /// 500-item bank, which with the key and the index keeps a session under 256 bytes of Redis memory.
    /// </summary>
    public byte[] ToBytes()
    {
        // Each part is written straight into the value (this runs on every answer), not into arrays of its own first.
        var subjectLength = Encoding.UTF8.GetByteCount(Subject);
        var examLength = Exam.ByteCount(includeEstimate: false);
        Span<byte> header = stackalloc byte[MaxHeader];
        var lastActivity = ToUnixMs(LastActivity);
        var length = 0;
        header[length++] = FormatVersion;
        header[length++] = ExpiresAt is null ? (byte)0 : HasExpiry;
        WriteVarint(header, ref length, (ulong)BankVersion);
        WriteVarint(header, ref length, (ulong)DesignKey);
        BinaryPrimitives.WriteInt32LittleEndian(header[length..], Seed);
        length += 4;
        WriteVarint(header, ref length, (ulong)lastActivity);
        WriteVarint(header, ref length, ZigZag(ToUnixMs(ServedAt) - lastActivity));
        if (ExpiresAt is { } expires) WriteVarint(header, ref length, ZigZag(ToUnixMs(expires) - lastActivity));
        WriteVarint(header, ref length, (ulong)subjectLength);

        var buffer = new byte[length + subjectLength + examLength];
        header[..length].CopyTo(buffer);
        Encoding.UTF8.GetBytes(Subject, buffer.AsSpan(length, subjectLength));
        Exam.WriteBytes(buffer.AsSpan(length + subjectLength), includeEstimate: false);
        return buffer;
    }

    /// <summary>Reads <see cref="ToBytes"/>'s form; anything else throws <see cref="FormatException"/>.</summary>
    public static SessionHotState FromBytes(ReadOnlySpan<byte> data)
    {
        try
        {
            return Read(data);
        }
        catch (Exception error) when (error is ArgumentException or OverflowException)
        {
            throw new FormatException($"Session state holds an impossible value: {error.Message}", error);
        }
    }

    private static SessionHotState Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2) throw new FormatException($"Session state is {data.Length} bytes; at least 2 are needed.");
        if (data[0] != FormatVersion) throw new FormatException($"Session state format {data[0]} is not supported.");
        var flags = data[1];
        if ((flags & ~HasExpiry) != 0) throw new FormatException($"Session state flags 0x{flags:x2} are not valid.");
        var position = 2;
        var bankVersion = checked((long)ReadVarint(data, ref position));
        var designKey = checked((long)ReadVarint(data, ref position));
        var seed = BinaryPrimitives.ReadInt32LittleEndian(Take(data, ref position, 4));
        var lastActivity = (long)ReadVarint(data, ref position);
        var servedAt = lastActivity + UnZigZag(ReadVarint(data, ref position));
        long? expires = (flags & HasExpiry) != 0 ? lastActivity + UnZigZag(ReadVarint(data, ref position)) : null;
        var subjectLength = checked((int)ReadVarint(data, ref position));
        var subject = Encoding.UTF8.GetString(Take(data, ref position, subjectLength));
        return new SessionHotState(
            subject,
            bankVersion,
            designKey,
            seed,
            FromUnixMs(lastActivity),
            FromUnixMs(servedAt),
            expires is { } ms ? FromUnixMs(ms) : null,
            ExamState.FromBytes(data[position..]));
    }

    private static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> data, ref int position, int count)
    {
        if (data.Length - position < count) throw new FormatException("Session state is truncated.");
        var slice = data.Slice(position, count);
        position += count;
        return slice;
    }

    private static void WriteVarint(Span<byte> buffer, ref int position, ulong value)
    {
        while (value >= 0x80)
        {
            buffer[position++] = (byte)(value | 0x80);
            value >>= 7;
        }
        buffer[position++] = (byte)value;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = Take(data, ref position, 1)[0];
            result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new FormatException("Session state holds a malformed number.");
    }

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    private static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

    private static long ToUnixMs(DateTime time) => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToUnixTimeMilliseconds();

    private static DateTime FromUnixMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime;
}
