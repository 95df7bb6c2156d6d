using System.Text.Json;
using System.Text.Json.Serialization;
using Engine.Design;

namespace ExamStore.Designs;

/// <summary>One immutable version of a design, as exams run it.</summary>
/// <param name="Key">The version's compact id (what sessions and their hot state record).</param>
/// <param name="DesignId">The design.</param>
/// <param name="Version">Its version number, from 1.</param>
/// <param name="Subject">The subject whose bank it runs on.</param>
/// <param name="Definition">The design itself.</param>
public sealed record DesignVersion(long Key, string DesignId, int Version, string Subject, TestDesign Definition);

/// <summary>A design with its versions, as the admin API shows it.</summary>
public sealed record DesignInfo(string Id, string Subject, string Name, int? ActiveVersion, bool IsDefault, DateTime CreatedAt, IReadOnlyList<DesignVersionInfo> Versions);

/// <summary>A version of a design: when it was made and activated, and (when asked for) its definition and simulation report.</summary>
public sealed record DesignVersionInfo(int Version, DateTime CreatedAt, DateTime? ActivatedAt, TestDesign? Definition, JsonElement? Simulation);

/// <summary>How designs are read and written: camelCase, and an unknown property is an error, not silently ignored.</summary>
public static class DesignJson
{
    /// <summary>The serializer options of design definitions (exact camelCase names: "maxitems" is a typo, not maxItems).</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNameCaseInsensitive = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Reads a definition; a fault names the JSON path under <paramref name="field"/>.</summary>
    public static TestDesign Read(JsonElement element, string field)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new Sessions.ExamException(Sessions.ExamErrorKind.Invalid, $"Invalid {field}", $"{field} must be a JSON object (the exam design).", field);
        try
        {
            return element.Deserialize<TestDesign>(Options)
                ?? throw new Sessions.ExamException(Sessions.ExamErrorKind.Invalid, $"Invalid {field}", $"{field} is required.", field);
        }
        catch (JsonException error)
        {
            var path = error.Path is { Length: > 1 } p && p.StartsWith('$') ? field + p[1..] : field;
            throw new Sessions.ExamException(Sessions.ExamErrorKind.Invalid, $"Invalid {path}", $"{path}: {FirstSentence(error.Message)}", path);
        }
    }

    // System.Text.Json appends "Path: … | LineNumber: …" to its messages; the path is already named.
    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
