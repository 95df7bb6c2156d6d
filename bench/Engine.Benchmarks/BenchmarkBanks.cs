using System.Text.Json;
using Engine;
using Engine.Bank;
using Engine.Estimation;
using Engine.Models;
using Engine.Selection;
using Engine.Simulation;
using Engine.Stopping;

namespace Engine.Benchmarks;

/// <summary>The banks and patterns the benchmarks run on: the catR reference 3PL bank and generated ones.</summary>
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

    /// <summary>
    /// Polytomous items drawn as catR's genPolyMatrix draws them (a ~ lognormal(0, 0.1225), steps or sorted thresholds
    /// ~ N(0, 1), rounded to 3 decimals), with 3, 4 or 5 categories in turn, seeded.
    /// </summary>
    public static IEnumerable<IItemModel> GeneratedPolytomous(PolytomousModel model, int count, Random random)
    {
        double Normal() => Math.Round(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()), 3);
        for (var i = 0; i < count; i++)
        {
            var a = Math.Round(Math.Exp(0.1225 * Normal()), 3);
            var steps = Enumerable.Range(0, 2 + i % 3).Select(_ => Normal()).ToArray();
            // Rounding can make two sorted thresholds equal, which a graded item rejects: nudge the later one up.
            if (model == PolytomousModel.GRM) steps = steps.Order().Select((b, k) => b + 0.001 * k).ToArray();
            yield return PolytomousItem.Create(model, model == PolytomousModel.PCM ? steps : [a, .. steps]);
        }
    }

    /// <summary>A generated GRM bank and the 30 items and responses of one simulated examinee's EAP-driven CAT on it.</summary>
    public static (ItemBank Bank, int[] Items, int[] Responses) GeneratedGrmWithPattern(int count, int answers, int seed)
    {
        var bank = new ItemBank(GeneratedPolytomous(PolytomousModel.GRM, count, new Random(seed)));
        var test = new AdaptiveTest(bank, new AdaptiveTestOptions(new ExpectedAPosterioriEstimator(), new MaximumInformationSelector(), new StoppingPolicy(0, new MaxItemsRule(answers))));
        var examinee = new SimulatedExaminee(0.4, new Random(seed));
        var random = new Random(seed);
        var step = test.Start(random);
        while (!step.Stop.Stop) step = test.Answer(step.State, examinee.Respond(bank[step.State.CurrentItem!.Value]), random);
        return (bank, step.State.Items.ToArray(), step.State.Responses.ToArray());
    }

    /// <summary>
    /// A mixed bank in a seeded random order: a quarter each of 3PL items (drawn as <see cref="Generated3Pl"/>), GRM,
    /// GPCM and PCM items (as <see cref="GeneratedPolytomous"/>).
    /// </summary>
    public static ItemBank GeneratedMixed(int count, int seed)
    {
        var random = new Random(seed);
        var quarter = count / 4;
        var logistic = Generated3Pl(count - 3 * quarter, seed);
        IEnumerable<IItemModel> items = Enumerable.Range(0, logistic.Count).Select(i => logistic[i])
            .Concat(GeneratedPolytomous(PolytomousModel.GRM, quarter, random))
            .Concat(GeneratedPolytomous(PolytomousModel.GPCM, quarter, random))
            .Concat(GeneratedPolytomous(PolytomousModel.PCM, quarter, random));
        return new ItemBank(items.OrderBy(_ => random.Next()).ToArray());
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
