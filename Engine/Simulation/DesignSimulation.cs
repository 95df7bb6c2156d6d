using Engine.Bank;
using Engine.Design;
using Engine.Stopping;

namespace Engine.Simulation;

/// <summary>One simulated examinee's test under a design.</summary>
/// <param name="Index">Position of the examinee in the true θs.</param>
/// <param name="TrueTheta">The true ability.</param>
/// <param name="Theta">Final estimate.</param>
/// <param name="StandardError">Its standard error.</param>
/// <param name="Items">The items given, in order (bank indices).</param>
/// <param name="Responses">The response to each item.</param>
/// <param name="StopRule">The rule that ended the test.</param>
/// <param name="Classification">The final (forced) classification; null when the design does not classify.</param>
/// <param name="RetestLevel">The level a second, independent administration to the same true θ reached; null without classification.</param>
public sealed record DesignSimulatedTest(
    int Index,
    double TrueTheta,
    double Theta,
    double StandardError,
    IReadOnlyList<int> Items,
    IReadOnlyList<int> Responses,
    string StopRule,
    Classification? Classification,
    int? RetestLevel)
{
    /// <summary>The test length.</summary>
    public int Length => Items.Count;
}

/// <summary>Accuracy of θ̂ for the examinees whose true θ lies in [<paramref name="Low"/>, <paramref name="High"/>).</summary>
/// <param name="Low">Lower end; null for an open band.</param>
/// <param name="High">Upper end; null for an open band.</param>
/// <param name="Examinees">How many true θs fell in the band.</param>
/// <param name="Bias">Mean of θ̂ − θ; null for an empty band.</param>
/// <param name="Rmse">Root mean squared error; null for an empty band.</param>
public sealed record ThetaBand(double? Low, double? High, int Examinees, double? Bias, double? Rmse);

/// <summary>One classification level: how many examinees truly belong to it and how many the tests put in it.</summary>
public sealed record LevelCount(string Name, int TrueCount, int Classified);

/// <summary>How well a classifying design classifies.</summary>
/// <param name="Accuracy">Share of examinees classified in the level their true θ lies in (θ above a cut counts as above it).</param>
/// <param name="Consistency">Share of examinees two independent administrations put in the same level.</param>
/// <param name="Levels">Per level, true and classified counts.</param>
public sealed record ClassificationSummary(double Accuracy, double Consistency, IReadOnlyList<LevelCount> Levels);

/// <summary>What a design does to simulated examinees: accuracy, length, exposure, overlap, classification and constraint checks.</summary>
/// <param name="Tests">Every examinee's test, in input order.</param>
/// <param name="Bias">Mean of θ̂ − θ.</param>
/// <param name="Rmse">Root mean squared error of θ̂.</param>
/// <param name="Bands">Bias and RMSE per band of true θ: below −3, unit bands from −3 to 3, and 3 and above.</param>
/// <param name="MeanLength">Mean test length.</param>
/// <param name="MinLength">Shortest test.</param>
/// <param name="MaxLength">Longest test.</param>
/// <param name="MeanStandardError">Mean final standard error.</param>
/// <param name="StopRules">How many tests each rule ended.</param>
/// <param name="Exposure">Per item, the share of examinees given it.</param>
/// <param name="SelectionRate">Per item, the share of examinees for whom it was selected (given, or reached by a Sympson-Hetter lottery).</param>
/// <param name="MaxExposure">The largest exposure rate.</param>
/// <param name="ItemsAvailable">Items the design may give (the bank less retired items).</param>
/// <param name="ItemsNeverUsed">Of those, the items no examinee was given.</param>
/// <param name="MeanOverlap">Mean share of items two examinees' tests have in common, over all pairs: Σ n_i(n_i − 1) / (N(N − 1)·L̄).</param>
/// <param name="Classification">Accuracy, consistency and level counts; null when the design does not classify.</param>
/// <param name="BlueprintViolations">Tests with a topic below its minimum or above its maximum count.</param>
/// <param name="EnemyViolations">Tests that gave two items of one enemy set.</param>
public sealed record DesignSimulationReport(
    IReadOnlyList<DesignSimulatedTest> Tests,
    double Bias,
    double Rmse,
    IReadOnlyList<ThetaBand> Bands,
    double MeanLength,
    int MinLength,
    int MaxLength,
    double MeanStandardError,
    IReadOnlyDictionary<string, int> StopRules,
    IReadOnlyList<double> Exposure,
    IReadOnlyList<double> SelectionRate,
    double MaxExposure,
    int ItemsAvailable,
    int ItemsNeverUsed,
    double MeanOverlap,
    ClassificationSummary? Classification,
    int BlueprintViolations,
    int EnemyViolations);

/// <summary>
/// Runs simulated examinees through a compiled design and reports what a designer (or the server, when a design is
/// activated) needs to judge it. Seeded like <see cref="CatSimulation"/>: each examinee has its own random streams
/// derived from the seed and its index, so a run is repeatable whatever the parallelism.
/// </summary>
public static class DesignSimulation
{
    private static readonly double[] BandEdges = [-3, -2, -1, 0, 1, 2, 3];

    /// <summary>
    /// One test per true θ (two, with independent streams, when the design classifies, for the consistency).
    /// Cancellation stops between examinees with an <see cref="OperationCanceledException"/>.
    /// </summary>
    public static DesignSimulationReport Run(CompiledDesign design, ItemBank bank, IReadOnlyList<double> trueThetas, int seed,
        CancellationToken cancellationToken = default, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(design);
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(trueThetas);
        var classifies = design.CutScores.Count > 0;
        var administrations = Administer(design, bank, trueThetas, seed, retest: classifies, cancellationToken, progress);
        return Summarise(design, bank, administrations.Select(a => a.Test).ToArray(), administrations.Select(a => a.PassedOver).ToArray());
    }

    /// <summary>One examinee's test, with what the lotteries did on the way (for <see cref="SympsonHetterCalibration"/>).</summary>
    /// <param name="Test">The test.</param>
    /// <param name="PassedOver">Items a Sympson-Hetter lottery reached and that were never given, each once.</param>
    /// <param name="LotteryDraws">Every lottery drawn, by item, given or not (an item may be drawn at several steps).</param>
    /// <param name="GivenWithoutLottery">Items given by a rule that draws no lottery (e.g. the first item).</param>
    internal sealed record Administration(DesignSimulatedTest Test, int[] PassedOver, int[] LotteryDraws, int[] GivenWithoutLottery);

    /// <summary>Runs the tests in parallel, each examinee on its own streams.</summary>
    internal static Administration[] Administer(CompiledDesign design, ItemBank bank, IReadOnlyList<double> trueThetas,
        int seed, bool retest, CancellationToken cancellationToken, IProgress<int>? progress)
    {
        var test = new AdaptiveTest(bank, design.Options);
        var administrations = new Administration[trueThetas.Count];
        var done = 0;
        Parallel.For(0, trueThetas.Count, new ParallelOptions { CancellationToken = cancellationToken }, index =>
        {
            var theta = trueThetas[index];
            var first = new Sitting(test, theta, new Random(CatSimulation.DeriveSeed(seed, index, 1)), new Random(CatSimulation.DeriveSeed(seed, index, 2)));
            int? retestLevel = null;
            if (retest)
            {
                var second = new Sitting(test, theta, new Random(CatSimulation.DeriveSeed(seed, index, 3)), new Random(CatSimulation.DeriveSeed(seed, index, 4)));
                retestLevel = second.Step.Classification?.Level;
            }
            var state = first.Step.State;
            var items = state.Items.ToArray();
            var result = new DesignSimulatedTest(index, theta, state.Theta, state.StandardError, items, state.Responses.ToArray(),
                first.Step.Stop.Rule!, first.Step.Classification, retestLevel);
            // An item passed over at one step may be given at a later one (the lottery keeps no memory): it counts once, as given.
            var passedOver = first.Draws.Count == 0 ? [] : first.Draws.Distinct().Where(item => Array.IndexOf(items, item) < 0).ToArray();
            administrations[index] = new Administration(result, passedOver, [.. first.Draws], [.. first.GivenWithoutLottery]);
            progress?.Report(Interlocked.Increment(ref done));
        });
        return administrations;
    }

    // One administration to a simulated examinee, noting each selection's lottery draws.
    private sealed class Sitting
    {
        public Sitting(AdaptiveTest test, double trueTheta, Random selectionRandom, Random responseRandom)
        {
            var examinee = new SimulatedExaminee(trueTheta, responseRandom);
            var step = test.Start(selectionRandom);
            while (!step.Stop.Stop)
            {
                Note(step.Next!);
                step = test.Answer(step.State, examinee.Respond(test.Bank[step.State.CurrentItem!.Value]), selectionRandom);
            }
            Step = step;
        }

        public AdaptiveStep Step { get; }

        public List<int> Draws { get; } = [];

        public List<int> GivenWithoutLottery { get; } = [];

        private void Note(Selection.ItemSelection selection)
        {
            foreach (var candidate in selection.PassedOver) Draws.Add(candidate.Item);
            if (selection.Rule.StartsWith("sympson-hetter", StringComparison.Ordinal)) Draws.Add(selection.Item);
            else GivenWithoutLottery.Add(selection.Item);
        }
    }

    private static DesignSimulationReport Summarise(CompiledDesign design, ItemBank bank, DesignSimulatedTest[] tests, int[][] passedOver)
    {
        var n = tests.Length;
        var counts = new int[bank.Count];
        var selections = new int[bank.Count];
        foreach (var test in tests)
        {
            foreach (var item in test.Items) counts[item]++;
        }
        counts.CopyTo(selections, 0);
        foreach (var items in passedOver)
        {
            foreach (var item in items) selections[item]++;
        }
        var denominator = Math.Max(n, 1);
        var exposure = counts.Select(c => (double)c / denominator).ToArray();
        var neverGiven = design.NeverGiven.ToHashSet();
        var meanLength = tests.Select(t => (double)t.Length).DefaultIfEmpty().Average();
        // Σ n_i(n_i − 1) counts, over ordered pairs of examinees, the items both were given.
        var sharedPairs = counts.Sum(c => (double)c * (c - 1));
        var overlap = n < 2 || meanLength == 0 ? 0 : sharedPairs / ((double)n * (n - 1) * meanLength);

        return new DesignSimulationReport(
            tests,
            tests.Select(t => t.Theta - t.TrueTheta).DefaultIfEmpty().Average(),
            Rmse(tests),
            Bands(tests),
            meanLength,
            n == 0 ? 0 : tests.Min(t => t.Length),
            n == 0 ? 0 : tests.Max(t => t.Length),
            tests.Select(t => t.StandardError).DefaultIfEmpty().Average(),
            tests.GroupBy(t => t.StopRule).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
            exposure,
            selections.Select(c => (double)c / denominator).ToArray(),
            exposure.DefaultIfEmpty().Max(),
            bank.Count - neverGiven.Count,
            Enumerable.Range(0, bank.Count).Count(i => counts[i] == 0 && !neverGiven.Contains(i)),
            overlap,
            design.CutScores.Count > 0 ? Classify(design, tests) : null,
            tests.Count(t => BreaksBlueprint(design, bank, t.Items)),
            tests.Count(t => BreaksEnemySets(design, t.Items)));
    }

    private static double Rmse(IEnumerable<DesignSimulatedTest> tests) =>
        Math.Sqrt(tests.Select(t => (t.Theta - t.TrueTheta) * (t.Theta - t.TrueTheta)).DefaultIfEmpty().Average());

    private static ThetaBand[] Bands(DesignSimulatedTest[] tests)
    {
        var bands = new ThetaBand[BandEdges.Length + 1];
        for (var b = 0; b < bands.Length; b++)
        {
            double? low = b == 0 ? null : BandEdges[b - 1];
            double? high = b == BandEdges.Length ? null : BandEdges[b];
            var inBand = tests.Where(t => (low is not double l || t.TrueTheta >= l) && (high is not double h || t.TrueTheta < h)).ToArray();
            bands[b] = inBand.Length == 0
                ? new ThetaBand(low, high, 0, null, null)
                : new ThetaBand(low, high, inBand.Length, inBand.Average(t => t.Theta - t.TrueTheta), Rmse(inBand));
        }
        return bands;
    }

    private static ClassificationSummary Classify(CompiledDesign design, DesignSimulatedTest[] tests)
    {
        var cuts = design.CutScores;
        var trueCounts = new int[cuts.Count + 1];
        var classified = new int[cuts.Count + 1];
        int correct = 0, consistent = 0;
        foreach (var test in tests)
        {
            var trueLevel = cuts.Count(c => test.TrueTheta > c);
            trueCounts[trueLevel]++;
            var level = test.Classification?.Level;
            if (level is int l) classified[l]++;
            if (level == trueLevel) correct++;
            if (level is not null && level == test.RetestLevel) consistent++;
        }
        var n = Math.Max(tests.Length, 1);
        var levels = Enumerable.Range(0, cuts.Count + 1).Select(l => new LevelCount(design.LevelName(l)!, trueCounts[l], classified[l])).ToArray();
        return new ClassificationSummary((double)correct / n, (double)consistent / n, levels);
    }

    private static bool BreaksBlueprint(CompiledDesign design, ItemBank bank, IReadOnlyList<int> items)
    {
        if (design.TopicLimits is not { } limits) return false;
        var given = new int[bank.Topics.Count];
        foreach (var item in items) given[bank.TopicIndexOf(item)]++;
        for (var t = 0; t < given.Length; t++)
        {
            if (given[t] < limits.MinimumOf(t) || given[t] > limits.MaximumOf(t)) return true;
        }
        return false;
    }

    private static bool BreaksEnemySets(CompiledDesign design, IReadOnlyList<int> items) =>
        design.EnemySets.Any(set => items.Count(set.Contains) > 1);
}
