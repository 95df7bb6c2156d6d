using System.Text.Json;
using Engine.Bank;
using Engine.Models;

namespace IrtTool;

/// <summary>
/// Reads an item bank file: logistic columns <c>{"a":[...],"b":[...],"c":[...],"d":[...],"topics":[...]}</c> with c
/// (default 0), d (default 1) and topics optional; or a polytomous bank as catR lays it out,
/// <c>{"model":"GRM","params":[[...],...],"n_categories":[...],"topics":[...]}</c>, rows right-padded with null, with
/// n_categories and topics optional. Either may sit under a top-level "bank" key, as in the reference files. Either may
/// carry an "ids" column, the item ids of the bank's source (ExamApi's /api/items/export writes the server's ids).
/// </summary>
public static class BankFile
{
    /// <summary>Loads and validates the bank; every problem is a <see cref="UsageException"/> naming the file and the fault.</summary>
    public static ItemBank Load(string path, double scaling) => Read(path, scaling).Bank;

    /// <summary>Loads and validates the bank and its optional <c>ids</c> column (one per item, unique).</summary>
    public static BankFileContent Read(string path, double scaling)
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

    private static BankFileContent Parse(JsonElement root, double scaling)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new UsageException("the top level must be a JSON object with arrays \"a\" and \"b\", or \"model\" and \"params\".");
        if (!root.TryGetProperty("a", out _) && !root.TryGetProperty("params", out _) && root.TryGetProperty("bank", out var nested) && nested.ValueKind == JsonValueKind.Object)
            root = nested;
        var (bank, reference) = root.TryGetProperty("model", out var model) ? (ParsePolytomous(root, model, scaling), "params") : (ParseLogistic(root, scaling), "a");
        return new BankFileContent(bank, ReadIds(root, bank.Count, reference));
    }

    private static ItemBank ParseLogistic(JsonElement root, double scaling)
    {
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

    private static ItemBank ParsePolytomous(JsonElement root, JsonElement model, double scaling)
    {
        var names = Enum.GetNames<PolytomousModel>();
        var name = model.ValueKind == JsonValueKind.String ? names.FirstOrDefault(n => n.Equals(model.GetString(), StringComparison.OrdinalIgnoreCase)) : null;
        if (name is null) throw new UsageException($"\"model\" is {model.GetRawText()}; use one of {string.Join(", ", names)} (or logistic columns \"a\", \"b\").");
        var polytomousModel = Enum.Parse<PolytomousModel>(name);
        if (!root.TryGetProperty("params", out var parameters) || parameters.ValueKind != JsonValueKind.Array)
            throw new UsageException($"the required array \"params\" (one row of {name} parameters per item) is missing.");
        if (parameters.GetArrayLength() == 0) throw new UsageException("the bank has no items (\"params\" is empty).");
        var rows = new List<IReadOnlyList<double?>>();
        foreach (var row in parameters.EnumerateArray())
        {
            var i = rows.Count;
            if (row.ValueKind != JsonValueKind.Array) throw new UsageException($"\"params\"[{i}] is {row.GetRawText()}, not an array of numbers.");
            var values = new List<double?>();
            foreach (var element in row.EnumerateArray())
            {
                if (element.ValueKind == JsonValueKind.Null) values.Add(null);
                else if (element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var value) && double.IsFinite(value)) values.Add(value);
                else throw new UsageException($"\"params\"[{i}][{values.Count}] ({PolytomousItem.ParameterName(polytomousModel, values.Count)} of item {i}) is {element.GetRawText()}, not a finite number or null.");
            }
            rows.Add(values);
        }
        var categories = ReadCategoryCounts(root);
        if (categories is not null) CheckLength("n_categories", categories.Length, rows.Count, "params");
        var topics = ReadTopics(root);
        if (topics is not null) CheckLength("topics", topics.Length, rows.Count, "params");
        try
        {
            return ItemBank.FromParameterRows(polytomousModel, rows, categories, scaling, topics);
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(Describe(ex));
        }
    }

    // ArgumentException appends "(Parameter 'x')" and the actual value on a second line; one plain line reads better.
    private static string Describe(ArgumentException ex)
    {
        var text = ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal);
        return string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static void CheckLength(string name, int length, int expected, string reference = "a")
    {
        if (length != expected) throw new UsageException($"\"{name}\" has {length} values but \"{reference}\" has {expected}.");
    }

    private static double[]? ReadColumn(JsonElement root, string name) => ReadArray(root, name, "numbers", "a finite number",
        e => e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var value) && double.IsFinite(value) ? (true, value) : (false, 0));

    private static int[]? ReadCategoryCounts(JsonElement root) => ReadArray(root, "n_categories", "integers", "an integer",
        e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var count) ? (true, count) : (false, 0));

    private static string[]? ReadTopics(JsonElement root) => ReadArray(root, "topics", "strings", "a string",
        e => e.ValueKind == JsonValueKind.String ? (true, e.GetString()!) : (false, string.Empty));

    // Checked after the items, so a count mismatch is reported against a bank that is otherwise valid.
    private static long[]? ReadIds(JsonElement root, int items, string reference)
    {
        var ids = ReadArray(root, "ids", "integers", "an integer",
            e => e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var id) ? (true, id) : (false, 0L));
        if (ids is null) return null;
        CheckLength("ids", ids.Length, items, reference);
        var first = new Dictionary<long, int>();
        for (var i = 0; i < ids.Length; i++)
        {
            if (!first.TryAdd(ids[i], i)) throw new UsageException($"\"ids\"[{i}] ({ids[i]}) repeats \"ids\"[{first[ids[i]]}]; item ids must be unique.");
        }
        return ids;
    }

    // An optional array property: null when absent or null, otherwise every element as read parses it.
    private static T[]? ReadArray<T>(JsonElement root, string name, string elements, string element, Func<JsonElement, (bool Valid, T Value)> read)
    {
        if (!root.TryGetProperty(name, out var column) || column.ValueKind == JsonValueKind.Null) return null;
        if (column.ValueKind != JsonValueKind.Array) throw new UsageException($"\"{name}\" must be an array of {elements}.");
        var values = new T[column.GetArrayLength()];
        var i = 0;
        foreach (var value in column.EnumerateArray())
        {
            var (valid, parsed) = read(value);
            if (!valid) throw new UsageException($"\"{name}\"[{i}] is {value.GetRawText()}, not {element}.");
            values[i++] = parsed;
        }
        return values;
    }
}

/// <summary>A bank file's items, and the ids its <c>ids</c> column gives them (index k is item k), or null without one.</summary>
public sealed record BankFileContent(ItemBank Bank, IReadOnlyList<long>? ItemIds);
