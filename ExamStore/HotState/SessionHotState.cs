using System.Buffers.Binary;
using System.Text;
using Engine.State;

namespace ExamStore.HotState;

/// <summary>Which estimator an exam uses (stored as one byte in the hot state).</summary>
public enum EstimatorKind : byte
{
    /// <summary>Expected a posteriori.</summary>
    Eap = 0,

    /// <summary>Maximum likelihood.</summary>
    Ml = 1,

    /// <summary>Bayes modal.</summary>
    Bm = 2,

    /// <summary>Warm's weighted likelihood.</summary>
    Wl = 3,
}

/// <summary>The settings an exam runs with; small enough to travel with the hot state.</summary>
/// <param name="Estimator">Ability estimator.</param>
/// <param name="MaxItems">Maximum test length.</param>
/// <param name="MinItems">Minimum test length before the SE target may end the exam.</param>
/// <param name="SeTarget">Standard error that ends the exam, or null for none.</param>
public sealed record ExamSettings(EstimatorKind Estimator, int MaxItems, int MinItems, double? SeTarget);

/// <summary>
/// Everything an API instance needs to process the next answer of an active session without reading Postgres:
/// the engine state (items as bank indices, responses, θ, SE, current item) plus the session's settings and clocks.
/// It never holds an answer key or item content.
/// </summary>
/// <param name="Subject">Subject, which selects the item bank.</param>
/// <param name="BankVersion">The bank version the session started on.</param>
/// <param name="Settings">Exam settings.</param>
/// <param name="Seed">Seed of the session's item selection randomness (see <see cref="SelectionSeed"/>).</param>
/// <param name="LastActivity">Start or last answer.</param>
/// <param name="ServedAt">When the current item was served.</param>
/// <param name="ExpiresAt">Time limit, if any.</param>
/// <param name="Exam">The engine state.</param>
public sealed record SessionHotState(
    string Subject,
    long BankVersion,
    ExamSettings Settings,
    int Seed,
    DateTime LastActivity,
    DateTime ServedAt,
    DateTime? ExpiresAt,
    ExamState Exam)
{
    private const byte FormatVersion = 1;

    /// <summary>
    /// The seed of the selection made after <paramref name="answered"/> answers. Deriving it from the session seed and
    /// the position makes every choice reproducible, so a session rebuilt from Postgres serves the same item.
    /// </summary>
    public static int SelectionSeed(int seed, int answered) => unchecked(seed * 486_187_739 + answered * 16_777_619) & int.MaxValue;

    /// <summary>Compact binary form (about 130 bytes with 30 answers).</summary>
    public byte[] ToBytes()
    {
        var subject = Encoding.UTF8.GetBytes(Subject);
        if (subject.Length > 255) throw new InvalidOperationException("A subject name is at most 255 bytes.");
        var exam = Exam.ToBytes();
        var buffer = new byte[1 + 8 + 2 + 2 + 1 + 8 + 4 + 8 + 8 + 8 + 1 + subject.Length + exam.Length];
        var span = buffer.AsSpan();
        span[0] = FormatVersion;
        BinaryPrimitives.WriteInt64LittleEndian(span[1..], BankVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(span[9..], checked((ushort)Settings.MaxItems));
        BinaryPrimitives.WriteUInt16LittleEndian(span[11..], checked((ushort)Settings.MinItems));
        span[13] = (byte)Settings.Estimator;
        BinaryPrimitives.WriteDoubleLittleEndian(span[14..], Settings.SeTarget ?? double.NaN);
        BinaryPrimitives.WriteInt32LittleEndian(span[22..], Seed);
        BinaryPrimitives.WriteInt64LittleEndian(span[26..], ToUnixMs(LastActivity));
        BinaryPrimitives.WriteInt64LittleEndian(span[34..], ToUnixMs(ServedAt));
        BinaryPrimitives.WriteInt64LittleEndian(span[42..], ExpiresAt is { } expires ? ToUnixMs(expires) : 0);
        span[50] = (byte)subject.Length;
        subject.CopyTo(span[51..]);
        exam.CopyTo(span[(51 + subject.Length)..]);
        return buffer;
    }

    /// <summary>Reads <see cref="ToBytes"/>'s form; anything else throws <see cref="FormatException"/>.</summary>
    public static SessionHotState FromBytes(ReadOnlySpan<byte> data)
    {
        if (data.Length < 51) throw new FormatException($"Session state is {data.Length} bytes; at least 51 are needed.");
        if (data[0] != FormatVersion) throw new FormatException($"Session state format {data[0]} is not supported.");
        if (data[13] > (byte)EstimatorKind.Wl) throw new FormatException($"Session state names estimator {data[13]}.");
        var subjectLength = data[50];
        if (data.Length < 51 + subjectLength) throw new FormatException("Session state is truncated.");
        var seTarget = BinaryPrimitives.ReadDoubleLittleEndian(data[14..]);
        var expires = BinaryPrimitives.ReadInt64LittleEndian(data[42..]);
        return new SessionHotState(
            Encoding.UTF8.GetString(data.Slice(51, subjectLength)),
            BinaryPrimitives.ReadInt64LittleEndian(data[1..]),
            new ExamSettings(
                (EstimatorKind)data[13],
                BinaryPrimitives.ReadUInt16LittleEndian(data[9..]),
                BinaryPrimitives.ReadUInt16LittleEndian(data[11..]),
                double.IsNaN(seTarget) ? null : seTarget),
            BinaryPrimitives.ReadInt32LittleEndian(data[22..]),
            FromUnixMs(BinaryPrimitives.ReadInt64LittleEndian(data[26..])),
            FromUnixMs(BinaryPrimitives.ReadInt64LittleEndian(data[34..])),
            expires == 0 ? null : FromUnixMs(expires),
            ExamState.FromBytes(data[(51 + subjectLength)..]));
    }

    private static long ToUnixMs(DateTime time) => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToUnixTimeMilliseconds();

    private static DateTime FromUnixMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime;
}
