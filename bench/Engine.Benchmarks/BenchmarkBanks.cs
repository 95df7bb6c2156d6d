using System.Text.Json;
using Engine.Bank;

namespace Engine.Benchmarks;

/// <summary>The banks and patterns the benchmarks run on: the catR reference 3PL bank and a large generated one.</summary>
internal static class BenchmarkBanks
{
    /// <summary>The 500-item 3PL reference bank and its first examinee's 30 items and responses.</summary>
    public static (ItemBank Bank, int[] Items, int[] Responses) Reference3Pl()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(ReferenceFile()));
        var root = document.RootElement;
        var bank = root.GetProperty("bank");
        var itemBank = ItemBank.FromParameters(Column(bank, "a"), Column(bank, "b"), Column(bank, "c"), Column(bank, "d"));
        var examinee = root.GetProperty("examinees")[0];
        return (itemBank,
            examinee.GetProperty("items").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            examinee.GetProperty("resp").EnumerateArray().Select(e => e.GetInt32()).ToArray());
    }

    /// <summary>A 3PL bank drawn as the reference bank was (a lognormal, b normal, c uniform), seeded.</summary>
    public static ItemBank Generated3Pl(int count, int seed)
    {
        var random = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var a = new double[count];
        var b = new double[count];
        var c = new double[count];
        for (var i = 0; i < count; i++)
        {
            a[i] = Math.Clamp(Math.Exp(0.3 * Normal()), 0.5, 2.5);
            b[i] = Math.Clamp(Normal(), -3, 3);
            c[i] = 0.25 * random.NextDouble();
        }
        return ItemBank.FromParameters(a, b, c);
    }

    /// <summary>A Rasch bank with difficulties spread evenly over [−3, 3] in a seeded random order.</summary>
    public static ItemBank GeneratedRasch(int count, int seed)
    {
        var random = new Random(seed);
        var b = Enumerable.Range(0, count).Select(i => -3 + 6.0 * i / (count - 1)).OrderBy(_ => random.Next()).ToArray();
        return ItemBank.FromParameters(Enumerable.Repeat(1.0, count).ToArray(), b);
    }

    /// <summary>The items already given in the selection benchmarks: <paramref name="count"/> indices <paramref name="stride"/> apart.</summary>
    public static int[] SpreadAdministered(int count, int stride) => Enumerable.Range(0, count).Select(i => i * stride).ToArray();

    private static double[] Column(JsonElement bank, string name) => bank.GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToArray();

    // BenchmarkDotNet runs from a generated folder under bin/, so the repository is found by walking up to Aspire.sln.
    private static string ReferenceFile()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Aspire.sln")))
                return Path.Combine(dir.FullName, "tests", "Engine.Tests", "Reference", "catr_3pl_public.json");
        }
        throw new FileNotFoundException("Aspire.sln was not found above " + AppContext.BaseDirectory);
    }
}
