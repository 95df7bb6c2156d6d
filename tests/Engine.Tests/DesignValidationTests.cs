using System.Text.Json;
using Engine.Bank;
using Engine.Design;
using Engine.Selection;
using Engine.Stopping;
using Xunit;

namespace Engine.Tests;

/// <summary>DesignCompiler: every fault named by its JSON path, all of them at once; valid designs compose.</summary>
public class DesignValidationTests
{
    private static readonly string[] TopicNames = ["algebra", "geometry", "statistics"];

    // 30 items, 10 per topic; ids 1000.. so that ids and indices differ.
    internal static ItemBank Bank(int count = 30, int seed = 5, double scaling = 1)
    {
        var random = new Random(seed);
        var a = Enumerable.Range(0, count).Select(_ => 0.6 + 1.6 * random.NextDouble()).ToArray();
        var b = Enumerable.Range(0, count).Select(_ => -2.5 + 5 * random.NextDouble()).ToArray();
        var c = Enumerable.Range(0, count).Select(_ => 0.2 * random.NextDouble()).ToArray();
        return ItemBank.FromParameters(a, b, c, scaling: scaling, topics: Enumerable.Range(0, count).Select(i => TopicNames[i % 3]).ToArray());
    }

    internal static long[] Ids(int count) => Enumerable.Range(0, count).Select(i => 1000L + i).ToArray();

    private static readonly ItemBank SmallBank = Bank();

    private static TestDesign Design(int maxItems = 20, SelectionDesign? selection = null, StoppingDesign? stopping = null) => new()
    {
        Selection = selection,
        Stopping = stopping ?? new StoppingDesign { MaxItems = maxItems },
    };

    private static IReadOnlyList<DesignProblem> Problems(TestDesign design, IReadOnlyCollection<int>? neverGiven = null) =>
        DesignCompiler.Validate(design, SmallBank, Ids(SmallBank.Count), neverGiven);

    private static void AssertOnlyFault(TestDesign design, string field, string messagePart, IReadOnlyCollection<int>? neverGiven = null)
    {
        var problems = Problems(design, neverGiven);
        var problem = Assert.Single(problems);
        Assert.Equal(field, problem.Field);
        Assert.Contains(messagePart, problem.Message, StringComparison.Ordinal);
    }

    private static SelectionDesign Blueprint(params TopicTarget[] lines) => new() { Blueprint = lines };

    [Fact]
    public void UnknownTopicIsNamedByItsLine() =>
        AssertOnlyFault(Design(selection: Blueprint(new TopicTarget { Topic = "algebra", Min = 2 }, new TopicTarget { Topic = "physics", Min = 1 })),
            "selection.blueprint[1].topic", "no topic 'physics'");

    [Fact]
    public void SharesThatDoNotSumToOneAreAFaultOfTheBlueprint() =>
        AssertOnlyFault(Design(selection: Blueprint(new TopicTarget { Topic = "algebra", Share = 0.5 }, new TopicTarget { Topic = "geometry", Share = 0.3 })),
            "selection.blueprint", "sum to 0.8");

    [Fact]
    public void MinimumAboveTheItemsAvailableIsNamed()
    {
        AssertOnlyFault(Design(selection: Blueprint(new TopicTarget { Topic = "geometry", Min = 11 })), "selection.blueprint[0].min", "exceeds the 10 items");
        // Retired items do not count: geometry holds items 1, 4, 7, ...; retiring two leaves 8.
        AssertOnlyFault(Design(selection: Blueprint(new TopicTarget { Topic = "geometry", Min = 9 })), "selection.blueprint[0].min", "exceeds the 8 items", neverGiven: [1, 4]);
    }

    [Fact]
    public void MinimumsAddingUpToMoreThanTheMaximumLengthAreAFaultOfTheBlueprint() =>
        AssertOnlyFault(Design(maxItems: 12, selection: Blueprint(new TopicTarget { Topic = "algebra", Min = 7 }, new TopicTarget { Topic = "geometry", Min = 6 })),
            "selection.blueprint", "add up to 13 items, more than stopping.maxItems 12");

    [Fact]
    public void MaximumBelowMinimumIsNamed() =>
        AssertOnlyFault(Design(selection: Blueprint(new TopicTarget { Topic = "statistics", Min = 4, Max = 3 })), "selection.blueprint[0].max", "max must be ≥ min");

    [Fact]
    public void MaximumsLeavingTooFewItemsForTheMinimumLengthAreAFaultOfTheBlueprint()
    {
        var selection = Blueprint(new TopicTarget { Topic = "algebra", Max = 3 }, new TopicTarget { Topic = "geometry", Max = 3 }, new TopicTarget { Topic = "statistics", Max = 3 });
        AssertOnlyFault(Design(stopping: new StoppingDesign { MaxItems = 20, MinItems = 10 }, selection: selection), "selection.blueprint", "leave 9 items");
    }

    [Fact]
    public void DuplicateTopicAndEmptyLineAreNamed()
    {
        var problems = Problems(Design(selection: Blueprint(new TopicTarget { Topic = "algebra", Min = 1 }, new TopicTarget { Topic = "algebra", Max = 4 }, new TopicTarget { Topic = "geometry" })));
        Assert.Equal(["selection.blueprint[1].topic", "selection.blueprint[2]"], problems.Select(p => p.Field));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void SympsonHetterParameterOutsideZeroOneIsNamedByItemId(double k) =>
        AssertOnlyFault(Design(selection: new SelectionDesign { Rule = "sympson-hetter", ExposureParameters = new Dictionary<long, double> { [1003] = 0.5, [1007] = k } }),
            "selection.exposureParameters.1007", "must be in [0, 1]");

    [Fact]
    public void SympsonHetterParameterOfAnUnknownItemIsNamedByItsId() =>
        // 7 is a bank index, not an id: the design speaks in ids.
        AssertOnlyFault(Design(selection: new SelectionDesign { Rule = "sympson-hetter", ExposureParameters = new Dictionary<long, double> { [7] = 0.5 } }),
            "selection.exposureParameters.7", "Item 7 is not in the bank");

    [Fact]
    public void ExposureParametersWithAnotherRuleAreAFault() =>
        AssertOnlyFault(Design(selection: new SelectionDesign { Rule = "max-info", ExposureParameters = new Dictionary<long, double> { [1001] = 0.5 } }),
            "selection.exposureParameters", "sympson-hetter rule only");

    [Fact]
    public void EnemySetFaultsAreNamedBySet()
    {
        var problems = Problems(Design(selection: new SelectionDesign { EnemySets = [[1000, 1001], [1002, 99], [1003], [1004, 1004]] }));
        Assert.Equal(
            [("selection.enemySets[1]", "Item 99 is not in the bank."), ("selection.enemySets[2]", "An enemy set needs at least two items."), ("selection.enemySets[3]", "An enemy set names an item twice.")],
            problems.Select(p => (p.Field, p.Message)));
    }

    [Fact]
    public void OverlappingSprtIndifferenceRegionsAreNamedAtTheHigherCut() =>
        AssertOnlyFault(Design(stopping: new StoppingDesign { MaxItems = 20, Sprt = new SprtDesign { Cuts = [-0.5, 0.05], Indifference = 0.3 } }),
            "stopping.sprt.cuts[1]", "overlap");

    [Fact]
    public void SprtWithoutIndifferenceIsNamed() =>
        AssertOnlyFault(Design(stopping: new StoppingDesign { MaxItems = 20, Sprt = new SprtDesign { Cuts = [0] } }), "stopping.sprt.indifference", "required");

    [Theory]
    [InlineData(new[] { 0.5, -0.5 }, "stopping.classification.cuts[1]")]
    [InlineData(new[] { -1.0, 0.0, 0.0 }, "stopping.classification.cuts[2]")]
    [InlineData(new[] { 0.0, 5.0 }, "stopping.classification.cuts[1]")]
    public void UnsortedDuplicateOrOutOfRangeClassificationCutsAreNamed(double[] cuts, string field) =>
        Assert.Equal(field, Assert.Single(Problems(Design(stopping: new StoppingDesign { MaxItems = 20, Classification = new ClassificationDesign { Cuts = cuts } }))).Field);

    [Fact]
    public void ClassificationWithoutCutsAndLevelsOfTheWrongCountAreNamed()
    {
        var problems = Problems(Design(stopping: new StoppingDesign { MaxItems = 20, Classification = new ClassificationDesign { Cuts = [], Confidence = 1 } }));
        Assert.Equal(["stopping.classification.cuts", "stopping.classification.confidence"], problems.Select(p => p.Field));
        AssertOnlyFault(Design(stopping: new StoppingDesign { MaxItems = 20, Classification = new ClassificationDesign { Cuts = [0], Levels = ["fail", "pass", "merit"] } }),
            "stopping.classification.levels", "names 3 levels; 1 cuts make 2");
    }

    [Fact]
    public void ClassificationAndSprtTogetherAreAFault() =>
        AssertOnlyFault(Design(stopping: new StoppingDesign
        {
            MaxItems = 20,
            Classification = new ClassificationDesign { Cuts = [0] },
            Sprt = new SprtDesign { Cuts = [0], Indifference = 0.3 },
        }), "stopping.sprt", "not both");

    [Theory]
    [InlineData("ML", 0.5, null, "estimator.priorMean")]
    [InlineData("WL", null, 2.0, "estimator.priorSd")]
    public void PriorWithALikelihoodEstimatorIsNamedAtTheFieldGiven(string method, double? mean, double? sd, string field) =>
        AssertOnlyFault(Design() with { Estimator = new EstimatorDesign { Method = method, PriorMean = mean, PriorSd = sd } }, field, "EAP and BM only");

    [Fact]
    public void UnknownEstimatorIsNamed() =>
        AssertOnlyFault(Design() with { Estimator = new EstimatorDesign { Method = "MAP" } }, "estimator.method", "EAP, ML, BM, WL");

    [Theory]
    [InlineData(1.5)]
    [InlineData(0)]
    public void ScalingOtherThanOneOr1702IsNamed(double scaling) =>
        AssertOnlyFault(Design() with { Scaling = scaling }, "scaling", "1 or 1.702");

    [Fact]
    public void MaximumLengthBeyondTheItemsThatCanBeGivenIsNamed()
    {
        AssertOnlyFault(Design(maxItems: 31), "stopping.maxItems", "exceeds the 30 items");
        AssertOnlyFault(Design(maxItems: 29), "stopping.maxItems", "exceeds the 28 items", neverGiven: [0, 1]);
        AssertOnlyFault(new TestDesign(), "stopping", "required");
        AssertOnlyFault(Design(stopping: new StoppingDesign()), "stopping.maxItems", "required");
    }

    [Fact]
    public void RandomesqueNeedsItsCandidates()
    {
        AssertOnlyFault(Design(selection: new SelectionDesign { Rule = "randomesque" }), "selection.candidates", "between 1 and 100");
        AssertOnlyFault(Design(selection: new SelectionDesign { Rule = "max-info", Candidates = 3 }), "selection.candidates", "randomesque rule only");
        AssertOnlyFault(Design() with { FirstItem = new FirstItemDesign { Rule = "max-info", Candidates = 3 } }, "firstItem.candidates", "randomesque rule only");
    }

    [Fact]
    public void EveryFaultIsReportedInOneRound()
    {
        var design = new TestDesign
        {
            Scaling = 2,
            Estimator = new EstimatorDesign { Method = "ML", PriorMean = 0 },
            Selection = new SelectionDesign
            {
                Rule = "sympson-hetter",
                ExposureParameters = new Dictionary<long, double> { [5] = 2 },
                EnemySets = [[1000, 1]],
                Blueprint = [new TopicTarget { Topic = "physics", Share = 1 }, new TopicTarget { Topic = "algebra", Min = 3, Max = 2 }],
            },
            Stopping = new StoppingDesign
            {
                MaxItems = 40,
                Classification = new ClassificationDesign { Cuts = [1, 0] },
                Sprt = new SprtDesign { Cuts = [0], Indifference = 0.2 },
            },
        };
        var fields = Problems(design).Select(p => p.Field).ToArray();
        Assert.Equal(
            ["scaling", "estimator.priorMean", "stopping.maxItems", "stopping.sprt", "stopping.classification.cuts[1]", "selection.exposureParameters.5",
             "selection.exposureParameters.5", "selection.enemySets[0]", "selection.blueprint[0].topic", "selection.blueprint[1].max"],
            fields);
        var exception = Assert.Throws<DesignException>(() => DesignCompiler.Compile(design, SmallBank, Ids(SmallBank.Count)));
        Assert.Equal(fields, exception.Problems.Select(p => p.Field));
        Assert.StartsWith("scaling: ", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidDesignsCompileIntoTheEngineComposition()
    {
        var ids = Ids(SmallBank.Count);
        var full = new TestDesign
        {
            Estimator = new EstimatorDesign { Method = "bm", PriorMean = 0.2, PriorSd = 1.5 },
            FirstItem = new FirstItemDesign { Rule = "max-info", StartTheta = -0.5 },
            Selection = new SelectionDesign
            {
                Rule = "sympson-hetter",
                ExposureParameters = new Dictionary<long, double> { [1003] = 0.25, [1010] = 0 },
                EnemySets = [[1000, 1001, 1002]],
                Blueprint = [new TopicTarget { Topic = "algebra", Share = 0.5, Min = 3, Max = 8 }, new TopicTarget { Topic = "geometry", Share = 0.5 }, new TopicTarget { Topic = "statistics", Max = 2 }],
            },
            Stopping = new StoppingDesign { MinItems = 5, MaxItems = 15, SeTarget = 0.3, Sprt = new SprtDesign { Cuts = [-1, 1], Indifference = 0.4, Levels = ["low", "mid", "high"] } },
            TimeLimitSeconds = 3600,
        };
        var compiled = DesignCompiler.Compile(full, SmallBank, ids, neverGiven: [29]);
        Assert.Equal(15, compiled.MaxItems);
        Assert.Equal(["low", "mid", "high"], compiled.LevelNames);
        Assert.Equal("mid", compiled.LevelName(1));
        Assert.Equal([-1.0, 1.0], compiled.CutScores);
        Assert.IsType<Estimation.BayesModalEstimator>(compiled.Options.Estimator);
        Assert.Equal(-0.5, compiled.Options.StartTheta);
        Assert.Equal(5, compiled.Options.Stopping.MinItems);
        Assert.Equal(["max_items", "se_target", "sprt"], compiled.Options.Stopping.Rules.Select(r => r.Name));
        Assert.Same(compiled.TopicLimits, compiled.Options.Stopping.Gate);
        Assert.Equal(3, compiled.TopicLimits!.MinimumOf(0));
        Assert.Equal(2, compiled.TopicLimits.MaximumOf(2));
        Assert.Equal([0, 1, 2], Assert.Single(compiled.EnemySets));
        Assert.Equal([29], compiled.NeverGiven);

        var minimal = DesignCompiler.Compile(Design(), SmallBank, ids);
        Assert.IsType<Estimation.ExpectedAPosterioriEstimator>(minimal.Options.Estimator);
        Assert.Empty(minimal.LevelNames);
        Assert.Empty(minimal.CutScores);
        Assert.Null(minimal.TopicLimits);
        Assert.Null(minimal.Options.Stopping.Gate);

        var classifying = DesignCompiler.Compile(Design(stopping: new StoppingDesign { MaxItems = 10, Classification = new ClassificationDesign { Cuts = [0], Confidence = 0.9 } }), SmallBank, ids);
        var rule = Assert.IsType<ClassificationRule>(classifying.Options.Stopping.ClassifyingRule);
        Assert.Equal(1.6448536269514722, rule.Z, 9);
        Assert.Equal(["level 0", "level 1"], classifying.LevelNames);
    }

    [Fact]
    public void CompiledSympsonHetterRetiresAndEnemiesApplyById()
    {
        var ids = Ids(SmallBank.Count);
        // The most informative item at θ = 0 gets K = 0 and never passes its lottery; retired and enemy items are never drawn.
        var best = Enumerable.Range(0, SmallBank.Count).MaxBy(i => SmallBank[i].Information(0));
        var design = Design(selection: new SelectionDesign { Rule = "sympson-hetter", ExposureParameters = new Dictionary<long, double> { [ids[best]] = 0 } }) with
        {
            FirstItem = new FirstItemDesign { Rule = "max-info" },
        };
        var compiled = DesignCompiler.Compile(design, SmallBank, ids);
        var selection = compiled.Options.Selector.Select(SmallBank, 0, [], new Random(3))!;
        Assert.NotEqual(best, selection.Item);
        Assert.Equal(best, selection.PassedOver[0].Item);
        Assert.Equal("sympson-hetter", selection.Rule);
    }

    [Fact]
    public void DesignJsonUsesCamelCaseAndItemIdKeys()
    {
        const string json = """
            {"estimator":{"method":"EAP","priorSd":1.2},"firstItem":{"rule":"randomesque","candidates":4},
             "selection":{"rule":"sympson-hetter","exposureParameters":{"1004":0.5},"enemySets":[[1000,1001]],
                          "blueprint":[{"topic":"algebra","share":0.4,"min":2},{"topic":"geometry","share":0.6,"max":9}]},
             "stopping":{"minItems":4,"maxItems":18,"seTarget":0.35,"sprt":{"cuts":[0],"indifference":0.3,"alpha":0.1,"levels":["fail","pass"]}},
             "timeLimitSeconds":1800,"scaling":1.702}
            """;
        var design = JsonSerializer.Deserialize<TestDesign>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Assert.Equal(0.5, design.Selection!.ExposureParameters![1004]);
        Assert.Equal(0.1, design.Stopping!.Sprt!.Alpha);
        Assert.Equal(0.05, design.Stopping.Sprt.Beta);
        Assert.Equal(1.702, design.Scaling);
        var bank = Bank(scaling: 1.702);
        Assert.Empty(DesignCompiler.Validate(design, bank, Ids(bank.Count)));
    }
}
