using System.Text.Json;
using Engine.Bank;

namespace IrtTool;

/// <summary>
/// Reads an item bank file: <c>{"a":[...],"b":[...],"c":[...],"d":[...],"topics":[...]}</c> with c (default 0),
/// d (default 1) and topics optional. The columns may also sit under a top-level "bank" key, as in the reference files.
/// </summary>
public static class BankFile
{
    /// <summary>Loads and validates the bank; every problem is a <see cref="UsageException"/> naming the file and the fault.</summary>
    public static ItemBank Load(string path, double scaling)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read the bank file '{path}': {ex.Message}");
        }
        try
        {
            using var document = JsonDocument.Parse(bytes);
            return Parse(document.RootElement, scaling);
        }
        catch (JsonException ex)
        {
            throw new UsageException($"the bank file '{path}' is not valid JSON: {ex.Message}");
        }
        catch (UsageException ex)
        {
            throw new UsageException($"the bank file '{path}' is invalid: {ex.Message}");
        }
    }

    private static ItemBank Parse(JsonElement root, double scaling)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new UsageException("the top level must be a JSON object with arrays \"a\" and \"b\".");
        if (!root.TryGetProperty("a", out _) && root.TryGetProperty("bank", out var nested) && nested.ValueKind == JsonValueKind.Object) root = nested;
        var a = ReadColumn(root, "a") ?? throw new UsageException("the required array \"a\" (discriminations) is missing.");
        var b = ReadColumn(root, "b") ?? throw new UsageException("the required array \"b\" (difficulties) is missing.");
        var c = ReadColumn(root, "c");
        var d = ReadColumn(root, "d");
        var topics = ReadTopics(root);
        if (a.Length == 0) throw new UsageException("the bank has no items (\"a\" is empty).");
        CheckLength("b", b.Length, a.Length);
        if (c is not null) CheckLength("c", c.Length, a.Length);
        if (d is not null) CheckLength("d", d.Length, a.Length);
        if (topics is not null) CheckLength("topics", topics.Length, a.Length);
        try
        {
            return ItemBank.FromParameters(a, b, c, d, scaling, topics);
        }
        catch (ArgumentException ex)
        {
            // The item constructor names the parameter and the item, which is what the designer needs to fix the file.
            throw new UsageException(Describe(ex));
        }
    }

    // ArgumentException appends "(Parameter 'x')" and the actual value on a second line; one plain line reads better.
    private static string Describe(ArgumentException ex)
    {
        var text = ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal);
        return string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static void CheckLength(string name, int length, int expected)
    {
        if (length != expected) throw new UsageException($"\"{name}\" has {length} values but \"a\" has {expected}.");
    }

    private static double[]? ReadColumn(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var column) || column.ValueKind == JsonValueKind.Null) return null;
        if (column.ValueKind != JsonValueKind.Array) throw new UsageException($"\"{name}\" must be an array of numbers.");
        var values = new double[column.GetArrayLength()];
        var i = 0;
        foreach (var element in column.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var value) || !double.IsFinite(value))
                throw new UsageException($"\"{name}\"[{i}] is {element.GetRawText()}, not a finite number.");
            values[i++] = value;
        }
        return values;
    }

    private static string[]? ReadTopics(JsonElement root)
    {
        if (!root.TryGetProperty("topics", out var column) || column.ValueKind == JsonValueKind.Null) return null;
        if (column.ValueKind != JsonValueKind.Array) throw new UsageException("\"topics\" must be an array of strings.");
        var topics = new string[column.GetArrayLength()];
        var i = 0;
        foreach (var element in column.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.String) throw new UsageException($"\"topics\"[{i}] is {element.GetRawText()}, not a string.");
            topics[i++] = element.GetString()!;
        }
        return topics;
    }
}
