using Engine.Estimation;
using Engine.Models;
using Engine.Selection;
using Xunit;

namespace Engine.Tests;

/// <summary>
/// Every step of every examinee of the polytomous catR reference files (GRM, GPCM, PCM and the extras MGRM, RSM, NRM):
/// the four estimators with their SEs and branches, and the MFI pick at each estimate; plus catR's probability,
/// information and edge-case tables.
/// </summary>
public class PolytomousReferenceTests
{
    private const double RootTolerance = 1e-6;
    private const double EapTolerance = 1e-9;
    private const double TableTolerance = 1e-12;
    // Below this relative gap between the best and second-best item catR's pick is not asserted (the README's rule);
    // a gap of exactly 0 is an exact tie, where any of the tied items is catR's pick with some probability.
    private const double TieGap = 1e-6;

    public static IEnumerable<object[]> Examinees() => PolytomousReferenceData.Steps();

    public static TheoryData<string> Models() => [.. PolytomousReferenceData.Models];

    private static IAbilityEstimator[] Estimators() =>
        [new MaximumLikelihoodEstimator(), new BayesModalEstimator(), new WeightedLikelihoodEstimator(), new ExpectedAPosterioriEstimator()];

    [Theory]
    [MemberData(nameof(Examinees))]
    public void EveryEstimateStandardErrorAndBranchMatchesEveryStep(string model, int id)
    {
        var data = PolytomousReferenceData.Get(model);
        var examinee = data.Examinees.Single(e => e.Id == id);
        for (var k = 0; k < examinee.Items.Length; k++)
        {
            var items = examinee.Items.AsSpan(0, k + 1);
            var responses = examinee.Responses.AsSpan(0, k + 1);
            foreach (var estimator in Estimators())
            {
                var estimate = estimator.Estimate(data.Bank, items, responses);
                AssertMatches(estimator.Name, estimate, name => examinee.Steps[name][k], $"{model} examinee {id} step {k}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Examinees))]
    public void NextItemMatchesEveryStepForEveryEstimator(string model, int id)
    {
        var data = PolytomousReferenceData.Get(model);
        var examinee = data.Examinees.Single(e => e.Id == id);
        var selector = new MaximumInformationSelector();
        var compared = 0;
        foreach (var estimator in Estimators())
        {
            var suffix = estimator.Name.ToLowerInvariant();
            for (var k = 0; k < examinee.Items.Length; k++)
            {
                var gap = examinee.Steps[$"gap_{suffix}"][k];
                if (gap > 0 && gap < TieGap) continue;
                var given = examinee.Items.AsSpan(0, k + 1);
                var theta = estimator.Estimate(data.Bank, given, examinee.Responses.AsSpan(0, k + 1)).Theta;
                var next = selector.Select(data.Bank, theta, given, new Random(1))!;
                var expected = (int)examinee.Steps[$"next_{suffix}"][k];
                AssertSamePick(data, expected, next.Item, theta, gap, $"{model} examinee {id} {estimator.Name} step {k}");
                compared++;
            }
        }
        Assert.True(compared >= 4 * examinee.Items.Length * 9 / 10, $"only {compared} steps were compared");
    }

    [Theory]
    [MemberData(nameof(Examinees))]
    public void AdministeredSequenceFollowsTheDriverEstimator(string model, int id)
    {
        var data = PolytomousReferenceData.Get(model);
        var examinee = data.Examinees.Single(e => e.Id == id);
        Assert.Equal(data.FirstItem, examinee.Items[0]);
        IAbilityEstimator driver = examinee.Driver == "EAP" ? new ExpectedAPosterioriEstimator() : new MaximumLikelihoodEstimator();
        var suffix = driver.Name.ToLowerInvariant();
        for (var k = 0; k + 1 < examinee.Items.Length; k++)
        {
            var gap = examinee.Steps[$"gap_{suffix}"][k];
            if (gap > 0 && gap < TieGap) continue;
            var given = examinee.Items.AsSpan(0, k + 1);
            var theta = driver.Estimate(data.Bank, given, examinee.Responses.AsSpan(0, k + 1)).Theta;
            var next = new MaximumInformationSelector().Select(data.Bank, theta, given, new Random(1))!.Item;
            AssertSamePick(data, examinee.Items[k + 1], next, theta, gap, $"{model} examinee {id} step {k}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void FirstItemIsTheMostInformativeAtZero(string model)
    {
        var data = PolytomousReferenceData.Get(model);
        Assert.Equal(data.FirstItem, new MaximumInformationSelector().Select(data.Bank, 0, [], new Random(1))!.Item);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ProbabilitiesDerivativesInformationAndWarmTermMatchCatR(string model)
    {
        var data = PolytomousReferenceData.Get(model);
        foreach (var row in data.ProbabilityTable)
        {
            for (var i = 0; i < data.ProbabilityTableItems.Count; i++)
            {
                var item = (PolytomousItem)data.Bank[data.ProbabilityTableItems[i]];
                var n = item.CategoryCount;
                Assert.Equal(row.P[i].Length, n);
                var p = new double[n];
                var p1 = new double[n];
                var p2 = new double[n];
                item.Evaluate(row.Theta, p, p1, p2);
                var where = $"{model} item {i} at θ = {row.Theta}";
                for (var k = 0; k < n; k++)
                {
                    CatRReferenceTests.AssertClose(row.P[i][k], p[k], TableTolerance, $"{where}: P_{k}");
                    CatRReferenceTests.AssertClose(row.FirstDerivatives[i][k], p1[k], TableTolerance, $"{where}: P′_{k}");
                    CatRReferenceTests.AssertClose(row.SecondDerivatives[i][k], p2[k], TableTolerance, $"{where}: P″_{k}");
                    CatRReferenceTests.AssertClose(row.P[i][k], item.Probability(row.Theta, k), TableTolerance, $"{where}: Probability({k})");
                    CatRReferenceTests.AssertClose(Math.Log(row.P[i][k]), item.LogLikelihood(row.Theta, k), 1e-10, $"{where}: log P_{k}");
                    CatRReferenceTests.AssertClose(row.FirstDerivatives[i][k] / row.P[i][k], item.Score(row.Theta, k), 1e-10, $"{where}: score_{k}");
                }
                CatRReferenceTests.AssertClose(row.Information[i], item.Information(row.Theta), TableTolerance, $"{where}: I");
                CatRReferenceTests.AssertClose(row.Warm[i], item.WarmTerm(row.Theta), TableTolerance, $"{where}: J");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void InformationOfEveryItemMatchesCatRAndTheBankWideFill(string model)
    {
        var data = PolytomousReferenceData.Get(model);
        var filled = new double[data.Bank.Count];
        for (var t = 0; t < data.InformationThetas.Length; t++)
        {
            data.Bank.FillInformation(data.InformationThetas[t], filled);
            for (var j = 0; j < data.Bank.Count; j++)
            {
                CatRReferenceTests.AssertClose(data.InformationTable[t][j], data.Bank[j].Information(data.InformationThetas[t]), TableTolerance, $"{model} item {j} at θ = {data.InformationThetas[t]}");
                Assert.Equal(data.Bank[j].Information(data.InformationThetas[t]), filled[j]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void AllLowestAndAllHighestPatternsMatchCatR(string model)
    {
        var data = PolytomousReferenceData.Get(model);
        Assert.Equal(6, data.EdgeCases.Count);
        foreach (var edge in data.EdgeCases)
        {
            foreach (var estimator in Estimators())
            {
                var estimate = estimator.Estimate(data.Bank, edge.Items, edge.Responses);
                AssertMatches(estimator.Name, estimate, name => edge.Values[name], $"{model} {edge.Pattern} pattern of {edge.Items.Length} items");
            }
        }
    }

    [Fact]
    public void RatingScaleTwinsAreExactTiesAndTheLowerIndexIsPicked()
    {
        // RSM items 10 and 87 (and 41 and 89) have the same parameters, so catR draws between them at random; the
        // engine's information is bit-identical for twins and it takes the lower index, one of catR's picks.
        var data = PolytomousReferenceData.Get("rsm");
        Assert.Equal(data.Rows[10], data.Rows[87]);
        var theta = -0.142579881592754;
        Assert.Equal(data.Bank[10].Information(theta), data.Bank[87].Information(theta));
        var selector = new MaximumInformationSelector(runnersUp: 1);
        var pick = selector.Select(data.Bank, theta, [], new Random(1))!;
        Assert.Equal(10, pick.Item);
        Assert.Equal(87, pick.RunnersUp[0].Item);
        Assert.Equal(87, selector.Select(data.Bank, theta, [10], new Random(1))!.Item);
        // The reference run where catR drew 87 (examinee 0, EAP step 4, an exact tie).
        Assert.Equal(87, (int)data.Examinees[0].Steps["next_eap"][4]);
        Assert.Equal(0, data.Examinees[0].Steps["gap_eap"][4]);
    }

    private static void AssertMatches(string method, AbilityEstimate estimate, Func<string, double> expected, string where)
    {
        var key = method.ToLowerInvariant();
        if (method == "EAP")
        {
            CatRReferenceTests.AssertClose(expected("eap"), estimate.Theta, EapTolerance, $"{where}: EAP");
            CatRReferenceTests.AssertClose(expected("se_eap"), estimate.StandardError, EapTolerance, $"{where}: EAP SE");
            return;
        }
        var branch = (int)expected($"{key}_branch");
        var origin = branch switch
        {
            1 => EstimateOrigin.UpperBound,
            2 => EstimateOrigin.LowerBound,
            _ => EstimateOrigin.Root,
        };
        Assert.True(origin == estimate.Origin, $"{where}: {method} origin {estimate.Origin}, catR branch {branch}");
        var theta = expected($"{key}_tight");
        if (origin is EstimateOrigin.UpperBound or EstimateOrigin.LowerBound) Assert.Equal(theta, estimate.Theta);
        CatRReferenceTests.AssertClose(theta, estimate.Theta, RootTolerance, $"{where}: {method}");
        CatRReferenceTests.AssertClose(expected($"se_{key}_tight"), estimate.StandardError, RootTolerance, $"{where}: {method} SE");
    }

    // catR's pick, or at an exact tie (gap 0) an item exactly as informative as catR's pick.
    private static void AssertSamePick(PolytomousReferenceData data, int expected, int actual, double theta, double gap, string where)
    {
        if (gap == 0 && actual != expected)
        {
            Assert.True(data.Bank[actual].Information(theta) == data.Bank[expected].Information(theta),
                $"{where}: exact tie at catR's pick {expected}, but the engine's {actual} is not as informative");
            return;
        }
        Assert.True(expected == actual, $"{where}: catR picks {expected}, engine {actual} at θ {theta:R}");
    }
}
