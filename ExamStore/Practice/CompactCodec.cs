using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ExamStore.Practice;

/// <summary>
/// Writes the compact binary form of a practice cache value: a format byte, then varints (zigzag for signed values),
/// raw IEEE doubles (so a value read back is bit-identical and generation gives the same result from the cache as from
/// Postgres) and length-prefixed UTF-8 strings.
/// </summary>
public sealed class CompactWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    /// <summary>Starts a value of the given format.</summary>
    public CompactWriter(byte format) => Byte(format);

    /// <summary>The bytes written.</summary>
    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    /// <summary>One byte.</summary>
    public void Byte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    /// <summary>An unsigned varint.</summary>
    public void Count(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        Count64((ulong)value);
    }

    /// <summary>A signed varint (zigzag).</summary>
    public void Integer(long value) => Count64((ulong)((value << 1) ^ (value >> 63)));

    /// <summary>A double, bit for bit.</summary>
    public void Double(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    /// <summary>A double that may be absent (a flag byte, then the value).</summary>
    public void OptionalDouble(double? value)
    {
        Byte(value is null ? (byte)0 : (byte)1);
        if (value is { } present) Double(present);
    }

    /// <summary>A UTC time in Unix milliseconds.</summary>
    public void Time(DateTime value) => Integer(new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc)).ToUnixTimeMilliseconds());

    /// <summary>A time that may be absent.</summary>
    public void OptionalTime(DateTime? value)
    {
        Byte(value is null ? (byte)0 : (byte)1);
        if (value is { } present) Time(present);
    }

    /// <summary>The three section shares.</summary>
    public void Mix(PracticeMix mix)
    {
        Double(mix.Weak);
        Double(mix.Current);
        Double(mix.Revision);
    }

    /// <summary>A count, then each item as <paramref name="write"/> writes it.</summary>
    public void List<T>(IReadOnlyCollection<T> items, Action<CompactWriter, T> write)
    {
        Count(items.Count);
        foreach (var item in items) write(this, item);
    }

    /// <summary>A length-prefixed UTF-8 string.</summary>
    public void Text(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        Count(length);
        Encoding.UTF8.GetBytes(value, _buffer.GetSpan(length));
        _buffer.Advance(length);
    }

    private void Count64(ulong value)
    {
        while (value >= 0x80)
        {
            Byte((byte)(value | 0x80));
            value >>= 7;
        }
        Byte((byte)value);
    }
}

/// <summary>Reads one item of a list (see <see cref="CompactReader.List{T}"/>).</summary>
public delegate T CompactItemReader<out T>(ref CompactReader reader);

/// <summary>Reads what <see cref="CompactWriter"/> wrote; a value of another format or shape throws <see cref="FormatException"/>.</summary>
public ref struct CompactReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    /// <summary>Starts reading a value that must be of <paramref name="format"/>.</summary>
    public CompactReader(ReadOnlySpan<byte> data, byte format)
    {
        _data = data;
        _position = 0;
        var actual = Byte();
        if (actual != format) throw new FormatException($"Cache value format {actual} is not {format}.");
    }

    /// <summary>True when every byte was read.</summary>
    public readonly bool AtEnd => _position == _data.Length;

    /// <summary>One byte.</summary>
    public byte Byte() => Take(1)[0];

    /// <summary>An unsigned varint that fits an int.</summary>
    public int Count()
    {
        var value = Varint();
        if (value > int.MaxValue) throw new FormatException("Cache value holds an impossible count.");
        return (int)value;
    }

    /// <summary>A signed varint.</summary>
    public long Integer()
    {
        var value = Varint();
        return (long)(value >> 1) ^ -(long)(value & 1);
    }

    /// <summary>A double.</summary>
    public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    /// <summary>A double that may be absent.</summary>
    public double? OptionalDouble() => Flag() ? Double() : null;

    /// <summary>A UTC time.</summary>
    public DateTime Time()
    {
        var milliseconds = Integer();
        try
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds).UtcDateTime;
        }
        catch (ArgumentOutOfRangeException error)
        {
            throw new FormatException("Cache value holds an impossible time.", error);
        }
    }

    /// <summary>A time that may be absent.</summary>
    public DateTime? OptionalTime() => Flag() ? Time() : null;

    /// <summary>A string.</summary>
    public string Text() => Encoding.UTF8.GetString(Take(Count()));

    /// <summary>A list <see cref="CompactWriter.List{T}"/> wrote, each item read by <paramref name="read"/>.</summary>
    public T[] List<T>(CompactItemReader<T> read)
    {
        var items = new T[Count()];
        for (var k = 0; k < items.Length; k++) items[k] = read(ref this);
        return items;
    }

    /// <summary>The three section shares.</summary>
    public PracticeMix Mix() => new(Double(), Double(), Double());

    /// <summary>A list of strings.</summary>
    public string[] Texts() => List(static (ref CompactReader r) => r.Text());

    /// <summary>Throws unless every byte was read (a value of another layout).</summary>
    public readonly void End()
    {
        if (!AtEnd) throw new FormatException($"Cache value has {_data.Length - _position} unread bytes.");
    }

    private bool Flag() => Byte() switch
    {
        0 => false,
        1 => true,
        var other => throw new FormatException($"Cache value holds flag {other}."),
    };

    private ulong Varint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = Byte();
            result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new FormatException("Cache value holds a malformed number.");
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (_data.Length - _position < count) throw new FormatException("Cache value is truncated.");
        var slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }
}
