using Engine.Bank;
using Engine.Estimation;
using Engine.Models;
using Xunit;

namespace Engine.Tests;

/// <summary>Every estimator on the patterns at the edges: no responses, one item, all correct, all wrong, c = 0, d &lt; 1, invalid input.</summary>
public class EstimatorEdgeCaseTests
{
    private static readonly ItemBank Bank = ItemBank.FromParameters(
        [1.2, 0.8, 1.5, 1.0, 2.0, 0.9],
        [-1.0, 0.0, 0.5, 1.2, -0.3, 2.0],
        [0.0, 0.2, 0.1, 0.0, 0.15, 0.05],
        [1.0, 1.0, 0.95, 0.9, 1.0, 1.0]);

    private static IAbilityEstimator[] AllEstimators() =>
        [new MaximumLikelihoodEstimator(), new BayesModalEstimator(), new WeightedLikelihoodEstimator(), new ExpectedAPosterioriEstimator()];

    // Rasch items far from 0, so that even Warm's correction cannot pull a constant pattern off the bound.
    private static readonly ItemBank HardRasch = ItemBank.FromParameters([1, 1, 1], [2.8, 3.2, 3.6]);
    private static readonly ItemBank EasyRasch = ItemBank.FromParameters([1, 1, 1], [-2.8, -3.2, -3.6]);

    private static IAbilityEstimator Estimator(string method, NormalPrior? prior = null, AbilityRange? range = null) => method switch
    {
        "ML" => new MaximumLikelihoodEstimator(range),
        "BM" => new BayesModalEstimator(prior, range),
        "WL" => new WeightedLikelihoodEstimator(range),
        "EAP" => new ExpectedAPosterioriEstimator(prior: prior),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown method."),
    };

    // The estimating equations of the reference README, written out from the item models (standard normal prior for BM).
    private static double Equation(string method, ItemBank bank, int[] items, int[] responses, double theta)
    {
        double score = 0, information = 0, warm = 0;
        for (var k = 0; k < items.Length; k++)
        {
            score += bank[items[k]].Score(theta, responses[k]);
            information += bank[items[k]].Information(theta);
            warm += bank[items[k]].WarmTerm(theta);
        }
        return method switch
        {
            "BM" => score - theta,
            "WL" => score + warm / (2 * information),
            _ => score,
        };
    }

    // EAP by brute force: prior × likelihood on 61 nodes of [−4, 4], trapezoidal rule, posterior mean and SD.
    private static (double Mean, double StandardDeviation) TrapezoidPosterior(ItemBank bank, int[] items, int[] responses, NormalPrior prior)
    {
        double mass = 0, first = 0, second = 0;
        for (var q = 0; q <= 60; q++)
        {
            var theta = -4 + 8.0 * q / 60;
            var weight = (q is 0 or 60 ? 0.5 : 1) * prior.Density(theta)
                * Math.Exp(items.Select((item, k) => bank[item].LogLikelihood(theta, responses[k])).Sum());
            mass += weight;
            first += weight * theta;
            second += weight * theta * theta;
        }
        var mean = first / mass;
        return (mean, Math.Sqrt(second / mass - mean * mean));
    }

    private static double TestInformation(ItemBank bank, int[] items, double theta) => items.Sum(i => bank[i].Information(theta));

    [Theory]
    [InlineData("ML")]
    [InlineData("BM")]
    [InlineData("WL")]
    [InlineData("EAP")]
    public void NoResponsesGiveEachMethodsStartingValueAndPriorUncertainty(string method)
    {
        var prior = new NormalPrior(0.5, 0.8);
        var estimate = Estimator(method, prior).Estimate(Bank, [], []);
        Assert.Equal(EstimateOrigin.NoResponses, estimate.Origin);
        switch (method)
        {
            case "ML" or "WL":
                // No data, no likelihood: 0 (the centre catR starts from) moved into the range, with no information.
                Assert.Equal(0, estimate.Theta);
                Assert.True(double.IsPositiveInfinity(estimate.StandardError));
                Assert.Equal(1, Estimator(method, range: new AbilityRange(1, 3)).Estimate(Bank, [], []).Theta);
                break;
            case "BM":
                Assert.Equal(0.5, estimate.Theta);
                Assert.Equal(0.8, estimate.StandardError);
                break;
            default:
                // The prior itself on the grid: its mean and SD up to the mass cut off at ±4 (under 1e-5 here).
                var (mean, sd) = TrapezoidPosterior(Bank, [], [], prior);
                Assert.Equal(mean, estimate.Theta, 12);
                Assert.Equal(sd, estimate.StandardError, 12);
                Assert.Equal(0.5, estimate.Theta, 4);
                Assert.Equal(0.8, estimate.StandardError, 3);
                break;
        }
    }

    [Theory]
    [InlineData("ML", 1, EstimateOrigin.UpperBound)]
    [InlineData("ML", 0, EstimateOrigin.LowerBound)]
    [InlineData("BM", 1, EstimateOrigin.Root)]
    [InlineData("BM", 0, EstimateOrigin.Root)]
    [InlineData("WL", 1, EstimateOrigin.Root)]
    [InlineData("WL", 0, EstimateOrigin.Root)]
    [InlineData("EAP", 1, EstimateOrigin.Root)]
    [InlineData("EAP", 0, EstimateOrigin.Root)]
    public void SingleItemPatternsBehaveAsTheirEquationsSay(string method, int response, EstimateOrigin origin)
    {
        // One Rasch item (b = 0.4): the likelihood is monotone, so ML is at a bound; BM solves (x − P) − θ = 0; WL solves
        // x − P + (1 − 2P)/2 = 0, so P = (2x + 1)/4 and θ = b ± ln 3.
        var bank = new ItemBank([LogisticItem.Rasch(0.4)]);
        int[] items = [0];
        int[] responses = [response];
        var estimate = Estimator(method).Estimate(bank, items, responses);
        Assert.Equal(origin, estimate.Origin);
        var information = bank[0].Information(estimate.Theta);
        switch (method)
        {
            case "ML":
                Assert.Equal(response == 1 ? 4 : -4, estimate.Theta);
                Assert.Equal(1 / Math.Sqrt(information), estimate.StandardError, 12);
                break;
            case "BM":
                Assert.Equal(0, Equation("BM", bank, items, responses, estimate.Theta), 9);
                Assert.Equal(response == 1, estimate.Theta > 0);
                Assert.Equal(1 / Math.Sqrt(information + 1), estimate.StandardError, 12);
                break;
            case "WL":
                Assert.Equal(0.4 + (response == 1 ? 1 : -1) * Math.Log(3), estimate.Theta, 9);
                Assert.Equal(1 / Math.Sqrt(information), estimate.StandardError, 12);
                break;
            default:
                var (mean, sd) = TrapezoidPosterior(bank, items, responses, NormalPrior.Standard);
                Assert.Equal(mean, estimate.Theta, 10);
                Assert.Equal(sd, estimate.StandardError, 10);
                Assert.Equal(response == 1, estimate.Theta > 0);
                break;
        }
    }

    [Theory]
    [InlineData("ML", "mixed", 1, EstimateOrigin.UpperBound)]
    [InlineData("ML", "mixed", 0, EstimateOrigin.LowerBound)]
    [InlineData("ML", "hard", 1, EstimateOrigin.UpperBound)]
    [InlineData("ML", "easy", 0, EstimateOrigin.LowerBound)]
    [InlineData("BM", "mixed", 1, EstimateOrigin.Root)]
    [InlineData("BM", "mixed", 0, EstimateOrigin.Root)]
    [InlineData("BM", "hard", 1, EstimateOrigin.Root)]
    [InlineData("BM", "easy", 0, EstimateOrigin.Root)]
    [InlineData("WL", "mixed", 1, EstimateOrigin.Root)]
    [InlineData("WL", "mixed", 0, EstimateOrigin.Root)]
    [InlineData("WL", "hard", 1, EstimateOrigin.UpperBound)]
    [InlineData("WL", "easy", 0, EstimateOrigin.LowerBound)]
    [InlineData("EAP", "mixed", 1, EstimateOrigin.Root)]
    [InlineData("EAP", "mixed", 0, EstimateOrigin.Root)]
    [InlineData("EAP", "hard", 1, EstimateOrigin.Root)]
    [InlineData("EAP", "easy", 0, EstimateOrigin.Root)]
    public void AllCorrectAndAllWrongFollowTheBoundRule(string method, string bankName, int response, EstimateOrigin origin)
    {
        // The README's rule: ±4 exactly where the estimating equation keeps one sign over [−4, 4], else its root.
        // ML's score keeps its sign for every constant pattern; Warm's correction moves WL inside on the mixed
        // 3PL/4PL items but not on the Rasch items far out; BM and EAP are always finite.
        var bank = bankName switch { "hard" => HardRasch, "easy" => EasyRasch, _ => Bank };
        var items = Enumerable.Range(0, bank.Count).ToArray();
        var responses = items.Select(_ => response).ToArray();
        var estimate = Estimator(method).Estimate(bank, items, responses);
        Assert.Equal(origin, estimate.Origin);
        if (method == "EAP")
        {
            var (mean, sd) = TrapezoidPosterior(bank, items, responses, NormalPrior.Standard);
            Assert.Equal(mean, estimate.Theta, 10);
            Assert.Equal(sd, estimate.StandardError, 10);
            Assert.Equal(response == 1, estimate.Theta > 0);
            return;
        }

        var grid = Enumerable.Range(0, 801).Select(k => Equation(method, bank, items, responses, -4 + k / 100.0)).ToArray();
        switch (origin)
        {
            case EstimateOrigin.UpperBound:
                Assert.Equal(4, estimate.Theta);
                Assert.All(grid, value => Assert.True(value > 0));
                break;
            case EstimateOrigin.LowerBound:
                Assert.Equal(-4, estimate.Theta);
                Assert.All(grid, value => Assert.True(value < 0));
                break;
            default:
                Assert.InRange(estimate.Theta, -3.99, 3.99);
                Assert.Equal(0, Equation(method, bank, items, responses, estimate.Theta), 9);
                Assert.Equal(response == 1, estimate.Theta > 0);
                break;
        }
        var prior = method == "BM" ? 1 : 0;
        Assert.Equal(1 / Math.Sqrt(TestInformation(bank, items, estimate.Theta) + prior), estimate.StandardError, 12);
    }

    [Fact]
    public void BoundsFollowAConfiguredRange()
    {
        int[] items = [0, 1, 2, 3];
        var ml = new MaximumLikelihoodEstimator(new AbilityRange(-3, 5));
        var up = ml.Estimate(Bank, items, [1, 1, 1, 1]);
        var down = ml.Estimate(Bank, items, [0, 0, 0, 0]);
        Assert.Equal((5.0, EstimateOrigin.UpperBound), (up.Theta, up.Origin));
        Assert.Equal((-3.0, EstimateOrigin.LowerBound), (down.Theta, down.Origin));
        Assert.Equal(1 / Math.Sqrt(items.Sum(i => Bank[i].Information(5))), up.StandardError, 12);
    }

    [Fact]
    public void RaschMaximumLikelihoodSolvesTheSumScoreEquation()
    {
        // For the Rasch model the ML estimate makes the expected score equal the observed one.
        var bank = ItemBank.FromParameters([1, 1, 1, 1, 1], [-1, -0.5, 0, 0.5, 1], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]);
        int[] items = [0, 1, 2, 3, 4];
        var estimate = new MaximumLikelihoodEstimator().Estimate(bank, items, [1, 1, 0, 1, 0]);
        var expectedScore = items.Sum(i => Math.Exp(bank[i].LogLikelihood(estimate.Theta, 1)));
        Assert.Equal(3, expectedScore, 10);
    }

    [Fact]
    public void ZeroGuessingAndImperfectUpperAsymptoteAreHonoured()
    {
        var withD = ItemBank.FromParameters([1.4, 1.4, 1.4], [0, 0.5, -0.5], [0, 0, 0], [0.8, 0.8, 0.8]);
        var withoutD = ItemBank.FromParameters([1.4, 1.4, 1.4], [0, 0.5, -0.5]);
        int[] items = [0, 1, 2];
        int[] responses = [0, 0, 0];
        var eap = new ExpectedAPosterioriEstimator();
        // Under a slip ceiling even able examinees miss items, so wrong answers pull the estimate down less.
        Assert.True(eap.Estimate(withD, items, responses).Theta > eap.Estimate(withoutD, items, responses).Theta);
        Assert.Equal(0.8 / (1 + Math.Exp(-1.4 * 0.25)), Math.Exp(withD[0].LogLikelihood(0.25, 1)), 14);
    }

    [Fact]
    public void WeightedLikelihoodIsFiniteForConstantPatternsOfTwoParameterItems()
    {
        // Warm's correction pulls all-correct 2PL patterns off the bound.
        var bank = ItemBank.FromParameters([1, 1, 1, 1, 1, 1, 1, 1], [-1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2]);
        var wl = new WeightedLikelihoodEstimator().Estimate(bank, [0, 1, 2, 3, 4, 5, 6, 7], [1, 1, 1, 1, 1, 1, 1, 1]);
        Assert.Equal(EstimateOrigin.Root, wl.Origin);
        Assert.InRange(wl.Theta, 2, 3.99);
    }

    [Fact]
    public void EapFollowsThePriorAndGrid()
    {
        int[] items = [0, 2, 4];
        int[] responses = [1, 0, 1];
        var standard = new ExpectedAPosterioriEstimator().Estimate(Bank, items, responses);
        var shifted = new ExpectedAPosterioriEstimator(prior: new NormalPrior(1, 1)).Estimate(Bank, items, responses);
        Assert.True(shifted.Theta > standard.Theta);
        var fine = new ExpectedAPosterioriEstimator(new QuadratureGrid(-6, 6, 401)).Estimate(Bank, items, responses);
        Assert.Equal(standard.Theta, fine.Theta, 2);
        Assert.NotEqual(standard.Theta, fine.Theta);
    }

    [Fact]
    public void LongPatternsDoNotUnderflowTheEapPosterior()
    {
        var random = new Random(3);
        var n = 2000;
        var bank = ItemBank.FromParameters(
            Enumerable.Range(0, n).Select(_ => 1.0 + random.NextDouble()).ToArray(),
            Enumerable.Range(0, n).Select(_ => -2 + 4 * random.NextDouble()).ToArray());
        var items = Enumerable.Range(0, n).ToArray();
        var responses = items.Select(i => random.NextDouble() < Math.Exp(bank[i].LogLikelihood(0.7, 1)) ? 1 : 0).ToArray();
        var eap = new ExpectedAPosterioriEstimator(new QuadratureGrid(-4, 4, 801)).Estimate(bank, items, responses);
        Assert.True(double.IsFinite(eap.Theta) && double.IsFinite(eap.StandardError));
        Assert.InRange(eap.Theta, 0.5, 0.9);
    }

    [Fact]
    public void InvalidPatternsAreRejectedWithClearMessages()
    {
        foreach (var estimator in AllEstimators())
        {
            var outside = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Estimate(Bank, [0, 9], [1, 0]));
            Assert.Contains("Item index 9", outside.Message);
            var badResponse = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Estimate(Bank, [0, 1], [1, 2]));
            Assert.Contains("Response 2", badResponse.Message);
            Assert.Throws<ArgumentException>(() => estimator.Estimate(Bank, [0, 1], [1]));
        }
    }

    [Fact]
    public void InvalidEstimatorSettingsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AbilityRange(1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AbilityRange(double.NegativeInfinity, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NormalPrior(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new QuadratureGrid(-4, 4, 1));
    }

    [Fact]
    public void EstimatesAreRepeatableBitForBit()
    {
        int[] items = [5, 1, 3, 0];
        int[] responses = [0, 1, 1, 0];
        foreach (var estimator in AllEstimators())
        {
            var first = estimator.Estimate(Bank, items, responses);
            var second = estimator.Estimate(Bank, items, responses);
            Assert.Equal(BitConverter.DoubleToInt64Bits(first.Theta), BitConverter.DoubleToInt64Bits(second.Theta));
            Assert.Equal(BitConverter.DoubleToInt64Bits(first.StandardError), BitConverter.DoubleToInt64Bits(second.StandardError));
        }
    }
}

/// <summary>ML on short mixed 3PL patterns whose score has one sign at both ends but a root inside.</summary>
public class InteriorFallbackTests
{
    [Theory]
    [InlineData(new[] { 460, 319 }, new[] { 0, 1 })]
    [InlineData(new[] { 161, 253, 434, 70, 428 }, new[] { 1, 0, 0, 0, 1 })]
    [InlineData(new[] { 120, 150, 224, 126, 66, 471 }, new[] { 1, 1, 0, 0, 0, 1 })]
    public void SameSignAtBothEndsWithACrossingInsideFindsTheInteriorRoot(int[] items, int[] responses)
    {
        // Short mixed 3PL patterns: the score has one sign at −4 and 4 but crosses zero inside, so catR 3.17 solves
        // between the score's maximum and minimum instead of returning a bound.
        var bank = ReferenceData.Get("3pl").Bank;
        double Score(double theta) => items.Select((item, k) => bank[item].Score(theta, responses[k])).Sum();
        Assert.True(Math.Sign(Score(-4)) == Math.Sign(Score(4)));
        var estimate = new MaximumLikelihoodEstimator().Estimate(bank, items, responses);
        Assert.Equal(EstimateOrigin.InteriorFallback, estimate.Origin);
        Assert.InRange(estimate.Theta, -3.999, 3.999);
        Assert.True(Math.Abs(Score(estimate.Theta)) < 1e-9, $"score at θ̂ = {Score(estimate.Theta):E2}");
    }
}
