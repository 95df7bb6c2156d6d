using Engine.Bank;
using Engine.Models;
using Xunit;

namespace Engine.Tests;

/// <summary>Logistic item models and the item bank: formulas, derivatives, extreme θ, invalid parameters, vectorised information.</summary>
public class ItemModelTests
{
    [Theory]
    [InlineData(1.3, -0.4, 0.2, 0.95, 1.0, 0.7)]
    [InlineData(0.8, 1.1, 0.0, 1.0, 1.702, -2.3)]
    [InlineData(2.2, 0.0, 0.15, 1.0, 1.0, 3.9)]
    public void DerivativesAndInformationAgreeWithFiniteDifferences(double a, double b, double c, double d, double scaling, double theta)
    {
        var item = new LogisticItem(a, b, c, d, scaling);
        const double h = 1e-5;
        var numericP1 = (item.Probability(theta + h) - item.Probability(theta - h)) / (2 * h);
        var numericP2 = (item.FirstDerivative(theta + h) - item.FirstDerivative(theta - h)) / (2 * h);
        Assert.Equal(numericP1, item.FirstDerivative(theta), 8);
        Assert.Equal(numericP2, item.SecondDerivative(theta), 7);
        var p = item.Probability(theta);
        Assert.Equal(item.FirstDerivative(theta) * item.FirstDerivative(theta) / (p * (1 - p)), item.Information(theta), 12);
        // The score of each response is the derivative of its log-likelihood.
        for (var response = 0; response <= 1; response++)
        {
            var numericScore = (item.LogLikelihood(theta + h, response) - item.LogLikelihood(theta - h, response)) / (2 * h);
            Assert.Equal(numericScore, item.Score(theta, response), 7);
        }
    }

    [Fact]
    public void ProbabilityFollowsTheFourParameterFormula()
    {
        var item = new LogisticItem(1.7, 0.3, 0.2, 0.9);
        var expected = 0.2 + 0.7 / (1 + Math.Exp(-1.7 * (1.1 - 0.3)));
        Assert.Equal(expected, item.Probability(1.1), 15);
        Assert.Equal(0.5, LogisticItem.Rasch(1.25).Probability(1.25), 15);
    }

    [Fact]
    public void ExtremeAbilitiesStayFinite()
    {
        var item = new LogisticItem(2.5, 0, 0, 1);
        foreach (var theta in new[] { -800.0, -40, 40, 800 })
        {
            var (p, p1, p2) = item.Evaluate(theta);
            Assert.True(p > 0 && p < 1, $"P({theta}) = {p}");
            Assert.True(double.IsFinite(p1) && double.IsFinite(p2));
            Assert.True(double.IsFinite(item.Information(theta)));
            Assert.True(double.IsFinite(item.LogLikelihood(theta, 0)) && double.IsFinite(item.LogLikelihood(theta, 1)));
        }
    }

    [Theory]
    [InlineData(0.0, 0, 0, 1, "a")]
    [InlineData(-1.0, 0, 0, 1, "a")]
    [InlineData(double.NaN, 0, 0, 1, "a")]
    [InlineData(1.0, double.NaN, 0, 1, "b")]
    [InlineData(1.0, 0, -0.1, 1, "c")]
    [InlineData(1.0, 0, 1.0, 1, "c")]
    [InlineData(1.0, 0, 0.3, 0.3, "d")]
    [InlineData(1.0, 0, 0.3, 1.2, "d")]
    public void InvalidParametersAreRejectedNamingTheParameterAndItem(double a, double b, double c, double d, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new LogisticItem(a, b, c, d, id: "Q17"));
        Assert.Equal(parameter, error.ParamName);
        Assert.Contains("Q17", error.Message);
    }

    [Fact]
    public void BankFromParametersNamesTheOffendingItemIndex()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ItemBank.FromParameters([1, 1, -2], [0, 0, 0]));
        Assert.Contains("item '2'", error.Message);
    }

    [Fact]
    public void BankRejectsMismatchedColumnsAndTopics()
    {
        Assert.Throws<ArgumentException>(() => ItemBank.FromParameters([1, 1], [0]));
        Assert.Throws<ArgumentException>(() => ItemBank.FromParameters([1, 1], [0, 1], [0.1]));
        Assert.Throws<ArgumentException>(() => ItemBank.FromParameters([1, 1], [0, 1], topics: ["x"]));
    }

    [Fact]
    public void BankInformationMatchesEachItemIncludingTheVectorTail()
    {
        var random = new Random(7);
        var n = 37; // not a multiple of any vector width, so the scalar tail runs too
        var a = Enumerable.Range(0, n).Select(_ => 0.5 + 2 * random.NextDouble()).ToArray();
        var b = Enumerable.Range(0, n).Select(_ => -3 + 6 * random.NextDouble()).ToArray();
        var c = Enumerable.Range(0, n).Select(_ => 0.25 * random.NextDouble()).ToArray();
        // Every other item without slipping (d = 1), whose Q cancels to 0 in the form 1 − P far above b.
        var d = Enumerable.Range(0, n).Select(i => i % 2 == 0 ? 1 : 0.9 + 0.1 * random.NextDouble()).ToArray();
        c[1] = c[3] = 0;
        var bank = ItemBank.FromParameters(a, b, c, d);
        var info = new double[n];
        foreach (var theta in new[] { -1000, -40, -4.0, -0.3, 0, 2.7, 30, 40, 1000 })
        {
            bank.FillInformation(theta, info);
            for (var i = 0; i < n; i++)
            {
                var expected = bank[i].Information(theta);
                Assert.True(double.IsFinite(info[i]) && info[i] >= 0, $"item {i} at {theta}: {info[i]}");
                Assert.True(Math.Abs(expected - info[i]) <= 1e-13 * expected, $"item {i} at {theta}: {expected:R} vs {info[i]:R}");
            }
        }
    }
}
