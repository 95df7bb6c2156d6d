using System.Text.Json;
using Engine.Bank;
using Engine.Models;

namespace Engine.Tests;

/// <summary>catR 3.17 polytomous reference runs shipped with the tests (copied from shared/reference/irt/poly).</summary>
public sealed class PolytomousReferenceData
{
    /// <summary>The file names' model keys: the three main models, then the three extras.</summary>
    public static readonly IReadOnlyList<string> Models = ["grm", "gpcm", "pcm", "mgrm", "rsm", "nrm"];

    private static readonly Lazy<IReadOnlyDictionary<string, PolytomousReferenceData>> All =
        new(() => Models.ToDictionary(name => name, Load));

    private PolytomousReferenceData(string name, JsonElement root)
    {
        Name = name;
        var bank = root.GetProperty("bank");
        Model = Enum.Parse<PolytomousModel>(bank.GetProperty("model").GetString()!);
        Rows = bank.GetProperty("params").EnumerateArray()
            .Select(row => (IReadOnlyList<double?>)row.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? (double?)null : v.GetDouble()).ToArray())
            .ToArray();
        CategoryCounts = bank.GetProperty("n_categories").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        Bank = ItemBank.FromParameterRows(Model, Rows, CategoryCounts);
        FirstItem = root.GetProperty("first_item").GetInt32();
        Examinees = root.GetProperty("examinees").EnumerateArray().Select(e => new ReferenceExaminee(
            e.GetProperty("id").GetInt32(),
            e.GetProperty("driver").GetString()!,
            Ints(e.GetProperty("items")),
            Ints(e.GetProperty("resp")),
            e.GetProperty("steps").EnumerateObject().ToDictionary(p => p.Name, p => Doubles(p.Value)))).ToArray();
        ProbabilityTable = root.GetProperty("prob_table").GetProperty("table").EnumerateArray().Select(t => new ProbabilityRow(
            t.GetProperty("theta").GetDouble(),
            Matrix(t.GetProperty("P")),
            Matrix(t.GetProperty("dP")),
            Matrix(t.GetProperty("d2P")),
            Doubles(t.GetProperty("I")),
            Doubles(t.GetProperty("J")))).ToArray();
        ProbabilityTableItems = Ints(root.GetProperty("prob_table").GetProperty("items"));
        var info = root.GetProperty("info_table");
        InformationThetas = Doubles(info.GetProperty("theta"));
        InformationTable = Matrix(info.GetProperty("I"));
        EdgeCases = root.GetProperty("edge_cases").EnumerateArray().Select(e => new EdgeCase(
            e.GetProperty("pattern").GetString()!,
            Ints(e.GetProperty("items")),
            Ints(e.GetProperty("resp")),
            e.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number && p.Name != "length").ToDictionary(p => p.Name, p => p.Value.GetDouble()))).ToArray();
    }

    public string Name { get; }
    public PolytomousModel Model { get; }
    public IReadOnlyList<IReadOnlyList<double?>> Rows { get; }
    public IReadOnlyList<int> CategoryCounts { get; }
    public ItemBank Bank { get; }
    public int FirstItem { get; }
    public IReadOnlyList<ReferenceExaminee> Examinees { get; }
    public IReadOnlyList<int> ProbabilityTableItems { get; }
    public IReadOnlyList<ProbabilityRow> ProbabilityTable { get; }
    public double[] InformationThetas { get; }
    public double[][] InformationTable { get; }
    public IReadOnlyList<EdgeCase> EdgeCases { get; }

    /// <summary>The bank file's path in the test output, for tools that read it themselves.</summary>
    public static string FilePath(string name) => Path.Combine(AppContext.BaseDirectory, "Reference", "poly", $"catr_{name}_public.json");

    public static PolytomousReferenceData Get(string name) => All.Value[name];

    public static IEnumerable<object[]> Steps() =>
        Models.SelectMany(name => Get(name).Examinees.Select(e => new object[] { name, e.Id }));

    private static PolytomousReferenceData Load(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(FilePath(name)));
        return new PolytomousReferenceData(name, document.RootElement);
    }

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    private static double[][] Matrix(JsonElement array) => array.EnumerateArray().Select(Doubles).ToArray();
}

/// <summary>catR's Pi/Ii/Ji for the first bank items at one θ.</summary>
public sealed record ProbabilityRow(double Theta, double[][] P, double[][] FirstDerivatives, double[][] SecondDerivatives, double[] Information, double[] Warm);

/// <summary>An all-lowest or all-highest pattern on the first bank items, with catR's estimates.</summary>
public sealed record EdgeCase(string Pattern, int[] Items, int[] Responses, IReadOnlyDictionary<string, double> Values);
