using Engine.Bank;
using Engine.Design;
using Engine.Simulation;
using Engine.Stopping;
using Xunit;
using Xunit.Abstractions;

namespace Engine.Tests;

/// <summary>
/// Simulated evidence that compiled designs keep their promises, 2,000 seeded examinees per design on a 300-item 3PL
/// bank with three topics: blueprint counts, enemy sets, Sympson-Hetter exposure, SPRT decisions checked against log
/// likelihood ratios computed here from the 3PL formula, and classification accuracy.
/// </summary>
public class DesignSimulationTests(ITestOutputHelper output)
{
    private const int Examinees = 2000;
    private static readonly string[] TopicNames = ["algebra", "geometry", "statistics"];
    private static readonly ThreePlBank Items = new(300, seed: 17);
    private static readonly long[] Ids = Enumerable.Range(0, 300).Select(i => 5000L + 3 * i).ToArray();
    private static readonly double[] Thetas = NormalThetas(Examinees, seed: 99);

    // The parameters are kept here so that the test computes probabilities without the Engine's item classes.
    private sealed class ThreePlBank
    {
        public ThreePlBank(int count, int seed)
        {
            var random = new Random(seed);
            A = Enumerable.Range(0, count).Select(_ => 0.6 + 1.6 * random.NextDouble()).ToArray();
            B = Enumerable.Range(0, count).Select(_ => -3 + 6 * random.NextDouble()).ToArray();
            C = Enumerable.Range(0, count).Select(_ => 0.2 * random.NextDouble()).ToArray();
            Topics = Enumerable.Range(0, count).Select(i => TopicNames[i % 3]).ToArray();
            Bank = ItemBank.FromParameters(A, B, C, topics: Topics);
        }

        public double[] A { get; }
        public double[] B { get; }
        public double[] C { get; }
        public string[] Topics { get; }
        public ItemBank Bank { get; }

        public double Probability(int item, double theta) => C[item] + (1 - C[item]) / (1 + Math.Exp(-A[item] * (theta - B[item])));
    }

    private static double[] NormalThetas(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())).ToArray();
    }

    private static CompiledDesign Compile(TestDesign design) => DesignCompiler.Compile(design, Items.Bank, Ids);

    private static DesignSimulationReport Simulate(TestDesign design, int seed, IReadOnlyList<double>? thetas = null) =>
        DesignSimulation.Run(Compile(design), Items.Bank, thetas ?? Thetas, seed);

    private void Report(string name, DesignSimulationReport report)
    {
        output.WriteLine($"{name}: bias {report.Bias:F3}, RMSE {report.Rmse:F3}, length {report.MeanLength:F1} ({report.MinLength}-{report.MaxLength}), " +
            $"max exposure {report.MaxExposure:F3}, overlap {report.MeanOverlap:F3}, never used {report.ItemsNeverUsed}, " +
            $"stops {string.Join(", ", report.StopRules.Select(s => $"{s.Key} {s.Value}"))}" +
            (report.Classification is { } c ? $", accuracy {c.Accuracy:F3}, consistency {c.Consistency:F3}" : string.Empty));
    }

    [Fact]
    public void BlueprintCountsHoldInEveryExam_EvenWhenThePrecisionTargetIsReachedFirst()
    {
        const double seTarget = 0.4;
        var design = new TestDesign
        {
            Selection = new SelectionDesign
            {
                Rule = "randomesque",
                Candidates = 3,
                Blueprint =
                [
                    new TopicTarget { Topic = "algebra", Share = 0.4, Min = 6, Max = 12 },
                    new TopicTarget { Topic = "geometry", Share = 0.4, Min = 5, Max = 9 },
                    // Its share alone gives statistics about 2 of the first 12 items: the minimum holds the test open for more.
                    new TopicTarget { Topic = "statistics", Share = 0.2, Min = 4, Max = 5 },
                ],
            },
            Stopping = new StoppingDesign { MaxItems = 25, SeTarget = seTarget },
        };
        var compiled = Compile(design);
        var report = DesignSimulation.Run(compiled, Items.Bank, Thetas, seed: 1);
        Report("blueprint", report);

        foreach (var test in report.Tests)
        {
            var counts = TopicNames.Select(topic => test.Items.Count(i => Items.Topics[i] == topic)).ToArray();
            Assert.InRange(counts[0], 6, 12);
            Assert.InRange(counts[1], 5, 9);
            Assert.InRange(counts[2], 4, 5);
        }
        Assert.Equal(0, report.BlueprintViolations);
        Assert.True(report.StopRules.GetValueOrDefault("se_target") > Examinees / 2, string.Join(", ", report.StopRules));

        // Tests the gate held open: the SE target was already met one item before the test ended.
        var test0 = new AdaptiveTest(Items.Bank, compiled.Options);
        var held = report.Tests.Where(t => t.StopRule == "se_target")
            .Count(t => test0.Replay(t.Items.Take(t.Length - 1).ToArray(), t.Responses.Take(t.Length - 1).ToArray(), null, false).StandardError <= seTarget);
        output.WriteLine($"tests held open by the topic minimums after reaching SE {seTarget}: {held}");
        Assert.True(held > 50, $"{held}");
    }

    [Fact]
    public void MinimumsWithoutSharesEndTheTestAsSoonAsTheyAreMet()
    {
        // No shares: only the gate asks for statistics items. Once the SE target is met with the minimum still owed, every
        // further item comes from statistics, so the test ends as soon as the minimum is met.
        const double seTarget = 0.4;
        var design = new TestDesign
        {
            Selection = new SelectionDesign { Blueprint = [new TopicTarget { Topic = "statistics", Min = 12 }] },
            Stopping = new StoppingDesign { MaxItems = 40, SeTarget = seTarget },
        };
        var compiled = Compile(design);
        var report = DesignSimulation.Run(compiled, Items.Bank, Thetas.Take(500).ToArray(), seed: 4);
        Report("minimums without shares", report);

        Assert.Equal(0, report.BlueprintViolations);
        Assert.True(report.StopRules.GetValueOrDefault("se_target") > 450, string.Join(", ", report.StopRules));
        var test = new AdaptiveTest(Items.Bank, compiled.Options);
        var heldOpen = 0;
        foreach (var sitting in report.Tests.Where(t => t.StopRule == "se_target"))
        {
            var items = sitting.Items.ToArray();
            var responses = sitting.Responses.ToArray();
            // The item after each prefix whose SE had met the target was chosen while the gate held the test open.
            var held = Enumerable.Range(1, items.Length - 1).Where(k => test.Replay(items[..k], responses[..k], null, false).StandardError <= seTarget).ToArray();
            if (held.Length > 0) heldOpen++;
            Assert.All(held, k => Assert.Equal("statistics", Items.Topics[items[k]]));
        }
        Assert.True(heldOpen > 100, $"{heldOpen} tests were held open");
    }

    [Fact]
    public void EnemyItemsAreNeverGivenTogether()
    {
        // Enemy sets among the items most informative near the centre, so that a test without the constraint would give them together.
        var central = Enumerable.Range(0, Items.Bank.Count).OrderByDescending(i => Items.Bank[i].Information(0)).Take(24).ToArray();
        var sets = central.Chunk(3).Select(set => (IReadOnlyList<long>)set.Select(i => Ids[i]).ToArray()).ToArray();
        var design = new TestDesign
        {
            Selection = new SelectionDesign { Rule = "randomesque", Candidates = 2, EnemySets = sets },
            Stopping = new StoppingDesign { MaxItems = 20 },
        };
        var report = Simulate(design, seed: 2);
        Report("enemies", report);

        var setsByIndex = central.Chunk(3).ToArray();
        foreach (var test in report.Tests)
        {
            foreach (var set in setsByIndex) Assert.True(test.Items.Count(set.Contains) <= 1, $"examinee {test.Index} got {string.Join(", ", test.Items.Where(set.Contains))}");
        }
        Assert.Equal(0, report.EnemyViolations);
        // Every set is in use: at least two of its items are given, to different examinees.
        Assert.All(setsByIndex, set => Assert.True(set.Count(i => report.Exposure[i] > 0) >= 2));

        var unconstrained = Simulate(design with { Selection = design.Selection with { EnemySets = null } }, seed: 2, Thetas[..300]);
        Assert.True(unconstrained.Tests.Count(t => setsByIndex.Any(set => t.Items.Count(set.Contains) > 1)) > 100);
    }

    [Fact]
    public void SympsonHetterParametersFromTheIterativeProcedureBoundExposure()
    {
        const double rMax = 0.25;
        var design = new TestDesign { Stopping = new StoppingDesign { MaxItems = 10 } };
        var before = Simulate(design, seed: 3);
        var calibration = SympsonHetterCalibration.Run(design, Items.Bank, Ids, Thetas[..1000], rMax, iterations: 20, tolerance: 0.01, seed: 4);
        foreach (var round in calibration.Iterations)
            output.WriteLine($"round {round.Iteration}: max P(A) {round.MaxExposure:F3}, max P(S) {round.MaxSelection:F3}, items with K < 1: {round.ItemsLimited}");
        Assert.Equal("sympson-hetter", calibration.Design.Selection!.Rule);
        Assert.All(calibration.ExposureParameters.Values, k => Assert.InRange(k, 0, 0.9999));

        var after = Simulate(calibration.Design, seed: 5);
        Report("max-info", before);
        Report("sympson-hetter", after);
        Assert.True(calibration.Converged);
        Assert.True(before.MaxExposure > 0.5, $"{before.MaxExposure}");
        Assert.True(after.MaxExposure <= rMax + 0.02, $"{after.MaxExposure}");
        Assert.True(after.ItemsNeverUsed < before.ItemsNeverUsed);
        Assert.True(after.MeanOverlap < before.MeanOverlap);
        // Selections include every administration, and the lottery passes over the limited items.
        Assert.All(Enumerable.Range(0, Items.Bank.Count), i => Assert.True(after.SelectionRate[i] >= after.Exposure[i]));
        Assert.True(after.SelectionRate.Max() > after.MaxExposure);
    }

    [Fact]
    public void SprtDecisionsEqualLogLikelihoodRatiosComputedByHand()
    {
        double[] cuts = [-0.5, 0.8];
        const double delta = 0.3, alpha = 0.05, beta = 0.1;
        const int minItems = 5;
        var design = new TestDesign
        {
            Selection = new SelectionDesign { Rule = "randomesque", Candidates = 2 },
            Stopping = new StoppingDesign { MinItems = minItems, MaxItems = 40, Sprt = new SprtDesign { Cuts = cuts, Indifference = delta, Alpha = alpha, Beta = beta, Levels = ["low", "mid", "high"] } },
        };
        var report = Simulate(design, seed: 6);
        Report("sprt", report);
        var upper = Math.Log((1 - beta) / alpha);
        var lower = Math.Log(beta / (1 - alpha));

        foreach (var test in report.Tests)
        {
            var final = Decisions(test, test.Length);
            var classification = test.Classification!;
            for (var k = 0; k < cuts.Length; k++)
            {
                Assert.Equal(final.Ratios[k], classification.Cuts[k].LogLikelihoodRatio!.Value, 9);
                if (final.Decisions[k] != CutDecision.Undecided)
                {
                    Assert.Equal(final.Decisions[k], classification.Cuts[k].Decision);
                    Assert.False(classification.Cuts[k].Forced);
                }
                else
                {
                    Assert.True(classification.Cuts[k].Forced);
                    Assert.Equal(final.Ratios[k] > 0 ? CutDecision.Above : CutDecision.Below, classification.Cuts[k].Decision);
                }
            }
            if (test.StopRule == "sprt")
            {
                Assert.True(final.Settled, $"examinee {test.Index}");
                Assert.InRange(test.Length, minItems, 40);
                // The test stopped at the first answer that settled it.
                if (test.Length > minItems) Assert.False(Decisions(test, test.Length - 1).Settled, $"examinee {test.Index} went on after a settled SPRT");
                Assert.Equal(final.Decisions.Count(d => d == CutDecision.Above), classification.Level);
            }
            else
            {
                // The maximum length is checked first, so the SPRT may settle on the last item and still be reported unforced.
                Assert.Equal("max_items", test.StopRule);
                Assert.Equal(40, test.Length);
                Assert.False(Decisions(test, test.Length - 1).Settled, $"examinee {test.Index} went on after a settled SPRT");
                Assert.Equal(!final.Settled, classification.Forced);
            }
        }
        Assert.True(report.StopRules["sprt"] > Examinees * 3 / 4, string.Join(", ", report.StopRules));
        var summary = report.Classification!;
        Assert.Equal(["low", "mid", "high"], summary.Levels.Select(l => l.Name));
        Assert.Equal(Examinees, summary.Levels.Sum(l => l.TrueCount));
        Assert.Equal(Examinees, summary.Levels.Sum(l => l.Classified));
        Assert.True(summary.Accuracy > 0.8, $"{summary.Accuracy}");

        (double[] Ratios, CutDecision[] Decisions, bool Settled) Decisions(DesignSimulatedTest test, int length)
        {
            var ratios = new double[cuts.Length];
            for (var k = 0; k < cuts.Length; k++)
            {
                for (var i = 0; i < length; i++)
                {
                    var item = test.Items[i];
                    double high = Items.Probability(item, cuts[k] + delta), low = Items.Probability(item, cuts[k] - delta);
                    ratios[k] += test.Responses[i] == 1 ? Math.Log(high) - Math.Log(low) : Math.Log(1 - high) - Math.Log(1 - low);
                }
            }
            var decisions = ratios.Select(r => r >= upper ? CutDecision.Above : r <= lower ? CutDecision.Below : CutDecision.Undecided).ToArray();
            // Settled: every cut decided, and never above a cut after being below a lower one.
            var settled = decisions.All(d => d != CutDecision.Undecided)
                && !decisions.Select((d, k) => d == CutDecision.Above && decisions.Take(k).Contains(CutDecision.Below)).Any(x => x);
            return (ratios, decisions, settled);
        }
    }

    [Fact]
    public void ConfidenceIntervalClassificationIsAccurateAndConsistentWithALongTest()
    {
        var design = new TestDesign
        {
            Selection = new SelectionDesign { Rule = "randomesque", Candidates = 3 },
            Stopping = new StoppingDesign { MinItems = 10, MaxItems = 40, Classification = new ClassificationDesign { Cuts = [0.5], Confidence = 0.95, Levels = ["fail", "pass"] } },
        };
        var report = Simulate(design, seed: 7);
        Report("classification", report);
        var summary = report.Classification!;
        foreach (var level in summary.Levels) output.WriteLine($"{level.Name}: true {level.TrueCount}, classified {level.Classified}");

        var expectedAccuracy = report.Tests.Count(t => t.Classification!.Level == (t.TrueTheta > 0.5 ? 1 : 0)) / (double)Examinees;
        Assert.Equal(expectedAccuracy, summary.Accuracy);
        Assert.Equal(report.Tests.Count(t => t.RetestLevel == t.Classification!.Level) / (double)Examinees, summary.Consistency);
        Assert.True(summary.Accuracy > 0.9, $"{summary.Accuracy}");
        Assert.True(summary.Consistency > 0.85, $"{summary.Consistency}");
        Assert.Equal(Thetas.Count(t => t > 0.5), summary.Levels[1].TrueCount);
        Assert.True(report.StopRules["classification"] > Examinees / 2);
    }

    [Fact]
    public void ReportArithmeticMatchesTheTests_AndRunsRepeatably()
    {
        var design = new TestDesign
        {
            Estimator = new EstimatorDesign { Method = "WL" },
            Selection = new SelectionDesign { Rule = "randomesque", Candidates = 4 },
            Stopping = new StoppingDesign { MinItems = 5, MaxItems = 15, SeTarget = 0.45 },
        };
        var thetas = Enumerable.Range(0, 240).Select(i => -4 + 8 * i / 239.0).ToArray();
        var report = Simulate(design, seed: 8, thetas);
        var again = Simulate(design, seed: 8, thetas);
        Assert.Equal(report.Tests.Select(t => (t.Theta, t.Length)), again.Tests.Select(t => (t.Theta, t.Length)));
        Assert.NotEqual(report.Tests.Select(t => t.Theta), Simulate(design, seed: 9, thetas).Tests.Select(t => t.Theta));

        // Exact mean overlap over all pairs: shared items / mean length.
        double shared = 0;
        for (var x = 0; x < thetas.Length; x++)
        {
            for (var y = x + 1; y < thetas.Length; y++) shared += report.Tests[x].Items.Intersect(report.Tests[y].Items).Count();
        }
        var pairs = thetas.Length * (thetas.Length - 1) / 2.0;
        Assert.Equal(shared / pairs / report.MeanLength, report.MeanOverlap, 12);

        Assert.Equal(8, report.Bands.Count);
        Assert.Equal(thetas.Length, report.Bands.Sum(b => b.Examinees));
        Assert.Equal((null, -3.0), (report.Bands[0].Low, report.Bands[0].High));
        Assert.Equal((3.0, null), (report.Bands[7].Low, report.Bands[7].High));
        var middle = report.Tests.Where(t => t.TrueTheta >= 0 && t.TrueTheta < 1).ToArray();
        Assert.Equal(middle.Length, report.Bands[4].Examinees);
        Assert.Equal(middle.Average(t => t.Theta - t.TrueTheta), report.Bands[4].Bias!.Value, 12);
        Assert.Equal(report.Tests.Min(t => t.Length), report.MinLength);
        Assert.Equal(report.Tests.Max(t => t.Length), report.MaxLength);
        Assert.InRange(report.MinLength, 5, 15);
        Assert.Equal(report.Tests.Count, report.StopRules.Values.Sum());
        Assert.Equal(Items.Bank.Count, report.ItemsAvailable);
        Assert.Equal(report.Exposure.Count(e => e == 0), report.ItemsNeverUsed);
        Assert.Null(report.Classification);
        Assert.All(report.Tests, t => Assert.Null(t.RetestLevel));
        Assert.Equal(report.Exposure, report.SelectionRate);

        var retired = Enumerable.Range(0, 150).ToArray();
        var withRetired = DesignSimulation.Run(DesignCompiler.Compile(design, Items.Bank, Ids, retired), Items.Bank, thetas, seed: 8);
        Assert.All(withRetired.Tests, t => Assert.All(t.Items, i => Assert.True(i >= 150)));
        Assert.Equal(150, withRetired.ItemsAvailable);
        Assert.Equal(Enumerable.Range(150, 150).Count(i => withRetired.Exposure[i] == 0), withRetired.ItemsNeverUsed);
    }

    [Fact]
    public void CancellationStopsTheSimulation()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var design = Compile(new TestDesign { Stopping = new StoppingDesign { MaxItems = 10 } });
        Assert.ThrowsAny<OperationCanceledException>(() => DesignSimulation.Run(design, Items.Bank, Thetas, 1, cancelled.Token));
    }
}
