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

    [Fact]
    public void NoResponsesGiveTheStartingValueAndTheMethodsPriorUncertainty()
    {
        var ml = new MaximumLikelihoodEstimator().Estimate(Bank, [], []);
        Assert.Equal(0, ml.Theta);
        Assert.True(double.IsPositiveInfinity(ml.StandardError));
        Assert.Equal(EstimateOrigin.NoResponses, ml.Origin);

        var bm = new BayesModalEstimator(new NormalPrior(0.5, 2)).Estimate(Bank, [], []);
        Assert.Equal(0.5, bm.Theta);
        Assert.Equal(2, bm.StandardError);

        var eap = new ExpectedAPosterioriEstimator().Estimate(Bank, [], []);
        Assert.Equal(0, eap.Theta, 12);
        Assert.InRange(eap.StandardError, 0.99, 1.0);
    }

    [Fact]
    public void AllCorrectAndAllWrongGoToTheBoundsForMaximumLikelihood()
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
    public void BayesianEstimatesOfConstantPatternsStayInside()
    {
        int[] items = [0, 1, 2, 3];
        foreach (var estimator in new IAbilityEstimator[] { new BayesModalEstimator(), new ExpectedAPosterioriEstimator() })
        {
            var up = estimator.Estimate(Bank, items, [1, 1, 1, 1]);
            var down = estimator.Estimate(Bank, items, [0, 0, 0, 0]);
            Assert.InRange(up.Theta, 0.1, 3.9);
            Assert.InRange(down.Theta, -3.9, -0.1);
            Assert.Equal(EstimateOrigin.Root, up.Origin);
        }
    }

    [Fact]
    public void SingleItemPatternsBehaveAsTheirEquationsSay()
    {
        // One Rasch item: the likelihood is monotone, so ML is at a bound; BM solves (x − P) − θ = 0.
        var bank = new ItemBank([LogisticItem.Rasch(0.4)]);
        Assert.Equal(4, new MaximumLikelihoodEstimator().Estimate(bank, [0], [1]).Theta);
        var bm = new BayesModalEstimator().Estimate(bank, [0], [1]);
        Assert.Equal(0, 1 - Math.Exp(bank[0].LogLikelihood(bm.Theta, 1)) - bm.Theta, 9);
        Assert.Equal(1 / Math.Sqrt(bank[0].Information(bm.Theta) + 1), bm.StandardError, 12);
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
