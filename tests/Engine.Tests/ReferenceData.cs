using System.Text.Json;
using Engine.Bank;

namespace Engine.Tests;

/// <summary>catR 3.17 reference runs shipped with the tests (copied from shared/reference/irt).</summary>
public sealed class ReferenceData
{
    private static readonly Lazy<IReadOnlyDictionary<string, ReferenceData>> All = new(Load);

    private ReferenceData(string name, ItemBank bank, IReadOnlyList<ReferenceExaminee> examinees, int firstItem)
    {
        Name = name;
        Bank = bank;
        Examinees = examinees;
        FirstItem = firstItem;
    }

    public string Name { get; }
    public ItemBank Bank { get; }
    public IReadOnlyList<ReferenceExaminee> Examinees { get; }
    public int FirstItem { get; }

    public static ReferenceData Get(string name) => All.Value[name];

    public static IEnumerable<object[]> Steps()
    {
        foreach (var (name, data) in All.Value)
        {
            foreach (var examinee in data.Examinees) yield return [name, examinee.Id];
        }
    }

    private static IReadOnlyDictionary<string, ReferenceData> Load()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Reference");
        var result = new Dictionary<string, ReferenceData>();
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "catr_3pl_public.json"))))
        {
            result["3pl"] = Parse("3pl", doc.RootElement);
        }
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "catr_2pl_1pl_public.json"))))
        {
            result["2pl"] = Parse("2pl", doc.RootElement.GetProperty("2pl"));
            result["1pl"] = Parse("1pl", doc.RootElement.GetProperty("1pl"));
        }
        return result;
    }

    private static ReferenceData Parse(string name, JsonElement root)
    {
        var bank = root.GetProperty("bank");
        var itemBank = ItemBank.FromParameters(Doubles(bank, "a"), Doubles(bank, "b"), Doubles(bank, "c"), Doubles(bank, "d"));
        var examinees = root.GetProperty("examinees").EnumerateArray().Select(e => new ReferenceExaminee(
            e.GetProperty("id").GetInt32(),
            e.GetProperty("driver").GetString()!,
            e.GetProperty("items").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
            e.GetProperty("resp").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
            e.GetProperty("steps").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(x => x.GetDouble()).ToArray())))
            .ToArray();
        return new ReferenceData(name, itemBank, examinees, root.GetProperty("first_item").GetInt32());
    }

    private static double[] Doubles(JsonElement element, string name) =>
        element.GetProperty(name).EnumerateArray().Select(x => x.GetDouble()).ToArray();
}

/// <summary>One simulated examinee of a reference run: the items given, the responses and catR's values after each step.</summary>
public sealed record ReferenceExaminee(int Id, string Driver, int[] Items, int[] Responses, IReadOnlyDictionary<string, double[]> Steps);
