using System.Text;
using System.Text.Json;
using Engine.Bank;
using Engine.Models;

namespace IrtTool;

/// <summary>
/// Parses one pattern line <c>{"id":"x","items":[...],"responses":[...]}</c> and checks it against the bank. Holds its
/// buffers between lines, so one instance serves one thread.
/// </summary>
public sealed class PatternParser(ItemBank bank)
{
    private readonly List<int> _items = [];
    private readonly List<int> _responses = [];
    private readonly bool[] _seen = new bool[bank.Count];

    /// <summary>The id of the last line as raw JSON (a string or a number), or null when it had none or it was unreadable.</summary>
    public byte[]? RawId { get; private set; }

    /// <summary>The 0-based item indices of the last line that parsed.</summary>
    public ReadOnlySpan<int> Items => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_items);

    /// <summary>The responses of the last line that parsed, aligned with <see cref="Items"/>.</summary>
    public ReadOnlySpan<int> Responses => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_responses);

    /// <summary>Parses and validates a line; on failure returns the reason, which names the offending value.</summary>
    public string? TryParse(ReadOnlySpan<byte> line)
    {
        RawId = null;
        _items.Clear();
        _responses.Clear();
        string? error;
        try
        {
            error = ReadObject(line);
        }
        catch (JsonException ex)
        {
            // The reader's own message says what was found where; the line number is reported separately.
            error = $"malformed JSON: {ex.Message}";
        }
        return error ?? Validate();
    }

    private string? ReadObject(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return "a pattern line must be a JSON object.";
        bool hasItems = false, hasResponses = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Number or JsonTokenType.Null))
                    return "\"id\" must be a string or a number.";
                RawId = reader.TokenType == JsonTokenType.Null ? null : line.Slice((int)reader.TokenStartIndex, TokenLength(ref reader)).ToArray();
            }
            else if (reader.ValueTextEquals("items"u8))
            {
                if (hasItems) return "\"items\" appears twice.";
                hasItems = true;
                var error = ReadIntegers(ref reader, "items", _items);
                if (error is not null) return error;
            }
            else if (reader.ValueTextEquals("responses"u8))
            {
                if (hasResponses) return "\"responses\" appears twice.";
                hasResponses = true;
                var error = ReadIntegers(ref reader, "responses", _responses);
                if (error is not null) return error;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        // One more read makes the reader reject anything but whitespace after the object.
        reader.Read();
        if (!hasItems) return "\"items\" is missing.";
        if (!hasResponses) return "\"responses\" is missing.";
        return null;
    }

    // A string token's span excludes its quotes; the raw id must keep them to be written back verbatim.
    private static int TokenLength(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String ? reader.ValueSpan.Length + 2 : reader.ValueSpan.Length;

    private static string? ReadIntegers(ref Utf8JsonReader reader, string name, List<int> values)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray) return $"\"{name}\" must be an array of integers.";
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var value))
                return $"\"{name}\"[{values.Count}] is {Encoding.UTF8.GetString(reader.ValueSpan)}, not an integer.";
            values.Add(value);
        }
        return null;
    }

    private string? Validate()
    {
        var items = Items;
        var responses = Responses;
        if (items.Length != responses.Length) return $"the pattern has {items.Length} items but {responses.Length} responses.";
        string? error = null;
        var k = 0;
        for (; k < items.Length && error is null; k++)
        {
            var item = items[k];
            if ((uint)item >= (uint)bank.Count)
            {
                error = $"item index {item} (position {k}) is outside the bank of {bank.Count} items (indices are 0-based).";
                break;
            }
            if (_seen[item])
            {
                error = $"item {item} appears twice (again at position {k}).";
                break;
            }
            _seen[item] = true;
            var categories = bank[item].CategoryCount;
            if ((uint)responses[k] >= (uint)categories)
                error = categories == 2
                    ? $"response {responses[k]} to item {item} (position {k}) is not 0 or 1."
                    : $"response {responses[k]} to item {item} (position {k}) is not one of its categories 0 to {categories - 1}.";
            else if (bank[item] is PolytomousItem polytomous && polytomous.IsEmptyCategory(responses[k]))
                error = $"response {responses[k]} to item {item} (position {k}) is an empty category of the item (equal thresholds: probability 0 at every θ).";
        }
        // Only the flags set above are cleared, so a line costs its own length, not the bank's size.
        for (var j = 0; j < k; j++) _seen[items[j]] = false;
        return error;
    }
}
