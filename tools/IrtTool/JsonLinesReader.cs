namespace IrtTool;

/// <summary>A line of input: where it sits in the current block and its 1-based number in the whole input.</summary>
public readonly record struct LineRange(int Start, int Length, long Number);

/// <summary>
/// Reads UTF-8 input in blocks of whole lines, as soon as they arrive. Each block is handed out as one span, so lines
/// are parsed in place with no per-line string; a block is only valid until the next call.
/// </summary>
public sealed class JsonLinesReader(Stream input)
{
    private const int InitialBufferSize = 1 << 20;
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private byte[] _buffer = new byte[InitialBufferSize];
    private readonly List<LineRange> _lines = [];
    private int _start;
    private int _end;
    private bool _endOfInput;
    private long _lineNumber;

    /// <summary>
    /// Reads the next block of complete lines (the last line of the input may lack its newline). Returns false at the
    /// end of the input. Blank lines are skipped; a trailing carriage return is dropped.
    /// </summary>
    public bool TryReadBlock(out ReadOnlyMemory<byte> block, out IReadOnlyList<LineRange> lines)
    {
        while (true)
        {
            var pending = _buffer.AsSpan(_start, _end - _start);
            var complete = pending.LastIndexOf((byte)'\n') + 1;
            if (complete == 0 && _endOfInput) complete = pending.Length;
            if (complete > 0)
            {
                block = _buffer.AsMemory(_start, complete);
                _start += complete;
                lines = Split(block.Span);
                return true;
            }
            if (_endOfInput)
            {
                block = ReadOnlyMemory<byte>.Empty;
                lines = [];
                return false;
            }
            Fill();
        }
    }

    private void Fill()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        // A line longer than the buffer is kept whole by growing the buffer.
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        var read = input.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0) _endOfInput = true;
        _end += read;
    }

    private List<LineRange> Split(ReadOnlySpan<byte> block)
    {
        _lines.Clear();
        var offset = 0;
        while (offset < block.Length)
        {
            var newline = block[offset..].IndexOf((byte)'\n');
            var length = newline < 0 ? block.Length - offset : newline;
            var next = offset + length + 1;
            _lineNumber++;
            var start = offset;
            if (_lineNumber == 1 && block.Slice(start, length).StartsWith(Utf8Bom))
            {
                start += Utf8Bom.Length;
                length -= Utf8Bom.Length;
            }
            if (length > 0 && block[start + length - 1] == (byte)'\r') length--;
            if (!block.Slice(start, length).Trim(" \t"u8).IsEmpty) _lines.Add(new LineRange(start, length, _lineNumber));
            offset = next;
        }
        return _lines;
    }
}
