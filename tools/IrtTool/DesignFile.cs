using System.Text.Json;
using System.Text.Json.Serialization;
using Engine.Bank;
using Engine.Design;

namespace IrtTool;

/// <summary>Reads and writes test design files: the Engine's <see cref="TestDesign"/> as JSON, camelCase.</summary>
public static class DesignFile
{
    // A misspelt property would otherwise be ignored silently and the design run without it.
    private static readonly JsonSerializerOptions ReadOptions = new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    private static readonly JsonSerializerOptions WriteOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Loads a design; an unreadable or malformed file is a <see cref="UsageException"/>.</summary>
    public static TestDesign Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<TestDesign>(stream, ReadOptions) ?? throw new UsageException($"the design file '{path}' holds null, not a design.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read the design file '{path}': {ex.Message}");
        }
        catch (JsonException ex)
        {
            throw new UsageException($"the design file '{path}' is not a valid design: {ex.Message}");
        }
    }

    /// <summary>Checks the design against the bank and composes it; a design that does not fit is a <see cref="UsageException"/> listing every fault.</summary>
    public static CompiledDesign Compile(string path, TestDesign design, ItemBank bank, IReadOnlyList<long> itemIds)
    {
        var problems = DesignCompiler.Validate(design, bank, itemIds);
        if (problems.Count > 0)
            throw new UsageException($"the design '{path}' cannot run on this bank:{string.Concat(problems.Select(p => $"\n  {p.Field}: {p.Message}"))}");
        return DesignCompiler.Compile(design, bank, itemIds);
    }

    /// <summary>Writes the design as indented JSON (absent fields left out) and a final newline.</summary>
    public static void Write(Stream output, TestDesign design)
    {
        ArgumentNullException.ThrowIfNull(output);
        JsonSerializer.Serialize(output, design, WriteOptions);
        output.Write("\n"u8);
        output.Flush();
    }
}
