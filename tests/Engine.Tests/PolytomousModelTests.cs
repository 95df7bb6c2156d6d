using Engine.Bank;
using Engine.Models;
using Xunit;

namespace Engine.Tests;

/// <summary>
/// Polytomous item models against independent computations (the README's formulas and numerical derivatives), at
/// extreme θ, their information bounds, and their rejection of bad parameters.
/// </summary>
public class PolytomousModelTests
{
    /// <summary>Random items of every polytomous model with 2 to 6 categories, and some 1PL–4PL items.</summary>
    public static IReadOnlyList<IItemModel> RandomItems(int seed, int count)
    {
        var random = new Random(seed);
        double Uniform(double lo, double hi) => lo + (hi - lo) * random.NextDouble();
        double[] Values(int n, double lo, double hi) => Enumerable.Range(0, n).Select(_ => Uniform(lo, hi)).ToArray();
        var items = new List<IItemModel>();
        for (var i = 0; i < count; i++)
        {
            var k = 1 + random.Next(5);
            var id = $"r{i}";
            items.Add((i % 8) switch
            {
                0 => new GradedResponseItem(Uniform(0.4, 2.5), Values(k, -3, 3).Order().Select((b, j) => b + 0.01 * j).ToArray(), id: id),
                1 => GradedResponseItem.Modified(Uniform(0.4, 2.5), Uniform(-1.5, 1.5), Values(k, -2, 2).OrderDescending().Select((c, j) => c - 0.01 * j).ToArray(), id: id),
                2 => new PartialCreditItem(Uniform(0.4, 2.5), Values(k, -3, 3), id: id),
                3 => PartialCreditItem.Rasch(Values(k, -3, 3), id: id),
                4 => PartialCreditItem.RatingScale(Uniform(-2, 2), Values(k, -1.5, 1.5), id: id),
                5 => new NominalResponseItem(Values(k, 0.3, 2.5), Values(k, -2, 2), id),
                6 => new LogisticItem(Uniform(0.4, 2.5), Uniform(-3, 3), Uniform(0, 0.3), Uniform(0.8, 1), id: id),
                _ => new GradedResponseItem(Uniform(0.4, 2.5), Values(k, -3, 3).Order().Select((b, j) => b + 0.01 * j).ToArray(), scaling: 1.702, id: id),
            });
        }
        return items;
    }

    public static TheoryData<int> Seeds() => [1, 2, 3];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void EveryMemberAgreesWithTheFormulasAndNumericalDerivatives(int seed)
    {
        foreach (var item in RandomItems(seed, 48))
        {
            var formulas = CatRFormulas.For(item);
            foreach (var theta in new[] { -3.7, -1.2, 0.05, 0.9, 2.6 })
            {
                var p = formulas.Probabilities(theta);
                var where = $"{item.GetType().Name} {(item as PolytomousItem)?.Id} at θ = {theta}";
                for (var k = 0; k < item.CategoryCount; k++)
                {
                    Assert.True(Math.Abs(p[k] - item.Probability(theta, k)) < 1e-14, $"{where}: P_{k} {p[k]:R} vs {item.Probability(theta, k):R}");
                    // The textbook forms lose ~1e-16 absolute to cancellation, which is relative in log P.
                    Assert.True(Math.Abs(Math.Log(p[k]) - item.LogLikelihood(theta, k)) < 1e-12 + 1e-15 / p[k], $"{where}: log P_{k}");
                    const double h = 1e-5;
                    var score = item.Score(theta, k);
                    var ownSlope = (item.LogLikelihood(theta + h, k) - item.LogLikelihood(theta - h, k)) / (2 * h);
                    Assert.True(Math.Abs(ownSlope - score) < 1e-7 * Math.Max(1, Math.Abs(score)), $"{where}: score_{k} {score:R} vs d log P/dθ {ownSlope:R}");
                    if (p[k] < 1e-3) continue;
                    var numericScore = (Math.Log(formulas.Probabilities(theta + h)[k]) - Math.Log(formulas.Probabilities(theta - h)[k])) / (2 * h);
                    Assert.True(Math.Abs(numericScore - score) < 1e-6, $"{where}: score_{k} {score:R} vs numerical {numericScore:R}");
                }
                CatRReferenceTests.AssertClose(formulas.Information(theta), item.Information(theta), 1e-7, $"{where}: information");
                CatRReferenceTests.AssertClose(formulas.WarmTerm(theta), item.WarmTerm(theta), 1e-5, $"{where}: Warm term");
                if (item is PolytomousItem polytomous)
                {
                    var (values, first, second) = (new double[item.CategoryCount], new double[item.CategoryCount], new double[item.CategoryCount]);
                    polytomous.Evaluate(theta, values, first, second);
                    var (d1, d2) = (formulas.FirstDerivatives(theta), formulas.SecondDerivatives(theta));
                    for (var k = 0; k < item.CategoryCount; k++)
                    {
                        Assert.True(Math.Abs(p[k] - values[k]) < 1e-14, $"{where}: Evaluate P_{k}");
                        Assert.True(Math.Abs(d1[k] - first[k]) < 1e-8, $"{where}: P′_{k} {first[k]:R} vs {d1[k]:R}");
                        Assert.True(Math.Abs(d2[k] - second[k]) < 1e-5, $"{where}: P″_{k} {second[k]:R} vs {d2[k]:R}");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void InformationAgreesWithItsCategoryTermsAtEveryTheta(int seed)
    {
        // Information takes a one-exponential route where it can; it must agree with Σ_k P_k′²/P_k from Evaluate.
        foreach (var item in RandomItems(seed + 20, 48).OfType<PolytomousItem>())
        {
            var n = item.CategoryCount;
            var (p, d1, d2) = (new double[n], new double[n], new double[n]);
            foreach (var theta in new[] { -400, -150, -70, -40, -4, -1.3, 0, 0.77, 2.2, 4, 40, 70, 150, 400 })
            {
                item.Evaluate(theta, p, d1, d2);
                // P′²/P as (P′/P)·P′, so that far out the square of a tiny P′ does not underflow.
                var expected = Enumerable.Range(0, n).Where(k => p[k] > 0).Sum(k => d1[k] / p[k] * d1[k]);
                var actual = item.Information(theta);
                Assert.True(Math.Abs(expected - actual) <= 1e-12 * expected + 1e-300, $"{item.Id} at θ = {theta}: {actual:R} vs {expected:R}");
            }
        }
    }

    [Theory]
    [InlineData(-1e6)]
    [InlineData(-1000)]
    [InlineData(-30)]
    [InlineData(-4)]
    [InlineData(4)]
    [InlineData(30)]
    [InlineData(1000)]
    [InlineData(1e6)]
    public void ExtremeAbilitiesStayFiniteAndProbabilitiesSumToOne(double theta)
    {
        foreach (var item in RandomItems(4, 40).OfType<PolytomousItem>())
        {
            var n = item.CategoryCount;
            var (p, d1, d2) = (new double[n], new double[n], new double[n]);
            item.Evaluate(theta, p, d1, d2);
            Assert.Equal(1, p.Sum(), 12);
            Assert.All(p, value => Assert.InRange(value, 0, 1));
            Assert.All(d1.Concat(d2), value => Assert.True(double.IsFinite(value)));
            for (var k = 0; k < n; k++)
            {
                var log = item.LogLikelihood(theta, k);
                Assert.True(double.IsFinite(log) && log <= 0, $"{item.Id}: log P_{k}({theta}) = {log}");
                Assert.True(double.IsFinite(item.Score(theta, k)), $"{item.Id}: score_{k}({theta})");
                // Far out the probabilities underflow, but their logarithms keep the linear trend of the logits.
                if (Math.Abs(theta) <= 30) Assert.Equal(p[k], Math.Exp(log), 12);
            }
            var information = item.Information(theta);
            Assert.True(double.IsFinite(information) && information >= 0, $"{item.Id}: I({theta}) = {information}");
            Assert.True(double.IsFinite(item.WarmTerm(theta)), $"{item.Id}: J({theta})");
        }
    }

    [Fact]
    public void AtPlusAndMinusThirtyTheExtremeCategoriesDominateWithExactLogLikelihoods()
    {
        // At θ = 30 the textbook GRM form 1 − P*_1 cancels to 0 (P*_1 rounds to 1); the engine keeps log P_0 exact.
        var grm = new GradedResponseItem(1.5, [-1, 0.5, 2]);
        Assert.Equal(-1.5 * 31 - Math.Log(1 + Math.Exp(-1.5 * 31)), grm.LogLikelihood(30, 0), 12);
        Assert.Equal(-1.5 * 31, grm.LogLikelihood(30, 0), 9);
        Assert.Equal(0, grm.LogLikelihood(30, 3), 15);
        Assert.Equal(-1.5, grm.Score(30, 0), 12);
        Assert.Equal(1.5, grm.Score(-30, 3), 12);
        var gpcm = new PartialCreditItem(1.2, [0.3, -0.4, 1.1]);
        // log P_3 − log P_0 = z_3 exactly, even where P_0 underflows.
        Assert.Equal(1.2 * (3 * 1000 - 1.0), gpcm.LogLikelihood(1000, 3) - gpcm.LogLikelihood(1000, 0), 6);
        Assert.Equal(-3 * 1.2, gpcm.Score(1000, 0), 9);
    }

    [Fact]
    public void ModelsOfDifferentFamiliesAgreeWhereTheyCoincide()
    {
        // Two categories: GRM, GPCM and the 2PL are the same model; PCM is the Rasch model; RSM is PCM with shifted steps.
        var twoPl = new LogisticItem(1.3, 0.4);
        IItemModel[] same = [new GradedResponseItem(1.3, [0.4]), new PartialCreditItem(1.3, [0.4]), new NominalResponseItem([1.3], [-1.3 * 0.4])];
        foreach (var theta in new[] { -3.0, 0.1, 2.2 })
        {
            foreach (var item in same)
            {
                Assert.Equal(twoPl.Probability(theta), item.Probability(theta, 1), 14);
                Assert.Equal(twoPl.Information(theta), item.Information(theta), 14);
                Assert.Equal(twoPl.WarmTerm(theta), item.WarmTerm(theta), 14);
            }
            Assert.Equal(PartialCreditItem.Rasch([0.2, 1.5]).Information(theta), PartialCreditItem.RatingScale(0.5, [-0.3, 1.0]).Information(theta), 14);
            Assert.Equal(new GradedResponseItem(0.9, [-0.5, 0.2]).Information(theta), GradedResponseItem.Modified(0.9, 0.1, [0.6, -0.1]).Information(theta), 14);
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void InformationBoundsHoldOnEveryIntervalAndAreTight(int seed)
    {
        var random = new Random(seed);
        foreach (var item in RandomItems(seed + 10, 40))
        {
            foreach (var (lower, upper) in new[] { (double.NegativeInfinity, double.PositiveInfinity), (-4.0, -3.0), (-0.5, 0.5), (3.0, 4.0), (double.NegativeInfinity, -6.0) }
                .Append((-4 + 6 * random.NextDouble(), 2 + 2 * random.NextDouble())))
            {
                var lo = Math.Max(lower, -40);
                var hi = Math.Min(upper, 40);
                var peak = Enumerable.Range(0, 40_001).Select(k => item.Information(lo + (hi - lo) * k / 40_000)).Max();
                var bound = item.InformationBound(lower, upper);
                Assert.True(bound >= peak, $"{item.GetType().Name} on [{lower}, {upper}]: bound {bound:R} < sampled peak {peak:R}");
                // Loose only by the margin, except the NRM over an unbounded interval, which gets Popoviciu's bound.
                if (item is not NominalResponseItem || double.IsFinite(lower + upper))
                    Assert.True(bound <= peak * (1 + 1e-4) + 1e-300, $"{item.GetType().Name} on [{lower}, {upper}]: bound {bound:R} is loose against {peak:R}");
            }
        }
    }

    [Fact]
    public void BadParametersAreRejectedNamingTheItemAndTheField()
    {
        AssertRejected(() => new GradedResponseItem(1, [0.5, 0.2, 1], id: "Q7"), "Q7", "b2", "not be below b1");
        AssertRejected(() => new GradedResponseItem(1, [-1, 0.5, 0.5, 0.4999], id: "Q7"), "Q7", "b4", "not be below b3");
        AssertRejected(() => new GradedResponseItem(double.NaN, [0.5], id: "Q7"), "Q7", "Discrimination a");
        AssertRejected(() => new GradedResponseItem(0, [0.5], id: "Q7"), "Q7", "Discrimination a");
        AssertRejected(() => new GradedResponseItem(1, [0.5, double.PositiveInfinity], id: "Q7"), "Q7", "b2", "finite");
        AssertRejected(() => new GradedResponseItem(1, [], id: "Q7"), "Q7", "1 response category");
        AssertRejected(() => GradedResponseItem.Modified(1, 0, [0.5, 0.9], id: "Q8"), "Q8", "c2", "not be above c1");
        AssertRejected(() => GradedResponseItem.Modified(1, double.NaN, [0.5], id: "Q8"), "Q8", "Parameter b");
        AssertRejected(() => new PartialCreditItem(1, [0.5, double.NaN], id: "Q9"), "Q9", "delta2", "finite");
        AssertRejected(() => new PartialCreditItem(-1, [0.5], id: "Q9"), "Q9", "Discrimination a");
        AssertRejected(() => PartialCreditItem.Rasch([], id: "Q9"), "Q9", "1 response category");
        AssertRejected(() => PartialCreditItem.RatingScale(double.NegativeInfinity, [0.1], id: "Q10"), "Q10", "lambda");
        AssertRejected(() => new PartialCreditItem(1, [0.5], scaling: 0, id: "Q9"), "Q9", "Scaling constant D");
        AssertRejected(() => new NominalResponseItem([1, double.NaN], [0, 0], "Q11"), "Q11", "alpha2");
        AssertRejected(() => new NominalResponseItem([1, 1], [0], "Q11"), "Q11", "2 slopes but 1 intercepts");
        AssertRejected(() => new NominalResponseItem([], [], "Q11"), "Q11", "1 response category");
        AssertRejected(() => PolytomousItem.Create(PolytomousModel.GRM, [1.2], id: "Q12"), "Q12", "1 response category");
        AssertRejected(() => PolytomousItem.Create(PolytomousModel.NRM, [1.2, 0.3, 0.9], id: "Q12"), "Q12", "pairs");
    }

    [Fact]
    public void EqualThresholdsLeaveAnEmptyCategoryAsInCatR()
    {
        // catR's generator rounds sorted thresholds to 3 decimals, so two can be equal. catR's P_k = P*_k − P*_{k+1} is
        // then 0 at every θ and its sums skip the category's 0/0 terms: the item is the one without that threshold.
        var item = new GradedResponseItem(1.3, [-0.7, 0.25, 0.25, 1.4], id: "Q5");
        var without = new GradedResponseItem(1.3, [-0.7, 0.25, 1.4]);
        Assert.Equal([false, false, true, false, false], Enumerable.Range(0, 5).Select(item.IsEmptyCategory));
        Assert.False(without.IsEmptyCategory(2));
        Assert.False(PartialCreditItem.Rasch([0.3, 0.3]).IsEmptyCategory(1));
        var (p, d1, d2) = (new double[5], new double[5], new double[5]);
        foreach (var theta in new[] { -4, -0.3, 0.25, 1.1, 4 })
        {
            item.Evaluate(theta, p, d1, d2);
            Assert.Equal((0.0, 0.0, 0.0), (p[2], d1[2], d2[2]));
            Assert.Equal(double.NegativeInfinity, item.LogLikelihood(theta, 2));
            foreach (var (k, same) in new[] { (0, 0), (1, 1), (3, 2), (4, 3) })
            {
                Assert.Equal(without.Probability(theta, same), p[k], 15);
                Assert.Equal(without.LogLikelihood(theta, same), item.LogLikelihood(theta, k), 13);
                Assert.Equal(without.Score(theta, same), item.Score(theta, k), 13);
            }
            Assert.Equal(without.Information(theta), item.Information(theta), 14);
            Assert.Equal(without.WarmTerm(theta), item.WarmTerm(theta), 14);
        }
        Assert.Equal(without.InformationBound(-1, 0), item.InformationBound(-1, 0), 12);
        Assert.True(GradedResponseItem.Modified(1, 0.2, [0.5, 0.5, -1]).IsEmptyCategory(1));

        // Estimates on the item are those on the item without the threshold; a response in the empty category, which
        // no examinee can give, is refused.
        var bank = new ItemBank([item, new LogisticItem(1, 0)]);
        var reference = new ItemBank([without, new LogisticItem(1, 0)]);
        foreach (var estimator in new Estimation.IAbilityEstimator[] { new Estimation.ExpectedAPosterioriEstimator(), new Estimation.WeightedLikelihoodEstimator() })
            Assert.Equal(estimator.Estimate(reference, [0, 1], [2, 1]).Theta, estimator.Estimate(bank, [0, 1], [3, 1]).Theta, 12);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => bank.ValidatePattern([1, 0], [1, 2]));
        Assert.Contains("Response 2 to item 0 (position 1) is an empty category", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Estimation.ExpectedAPosterioriEstimator().Estimate(bank, [0], [2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => item.IsEmptyCategory(5));
    }

    [Fact]
    public void ResponsesOutsideTheCategoriesAreRejectedByItemsAndBanks()
    {
        var item = new GradedResponseItem(1, [-0.5, 0.5], id: "Q3");
        foreach (var response in new[] { -1, 3 })
        {
            AssertRejected(() => item.LogLikelihood(0, response), "Q3", $"Response {response}", "0 to 2");
            AssertRejected(() => item.Score(0, response), "Q3", $"Response {response}");
            AssertRejected(() => item.Probability(0, response), "Q3", $"Response {response}");
        }
        var bank = new ItemBank([new LogisticItem(1, 0), item, PartialCreditItem.Rasch([0.1, 0.2, 0.3])]);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => bank.ValidatePattern([0, 1, 2], [1, 3, 3]));
        Assert.Contains("Response 3 to item 1 (position 1) is not one of its 3 categories", error.Message);
        bank.ValidatePattern([0, 1, 2], [1, 2, 3]);
    }

    [Fact]
    public void ParameterRowsAreReadAsCatRLaysThemOut()
    {
        IReadOnlyList<double?>[] rows = [[1.1, -0.5, 0.3, null], [0.9, -1.0, 0.0, 1.2], [1.3, 0.2, null, null]];
        var bank = ItemBank.FromParameterRows(PolytomousModel.GRM, rows, [3, 4, 2]);
        Assert.Equal([3, 4, 2], Enumerable.Range(0, 3).Select(i => bank[i].CategoryCount));
        var second = (GradedResponseItem)bank[1];
        Assert.Equal((0.9, "1"), (second.A, second.Id));
        Assert.Equal([-1.0, 0.0, 1.2], second.Thresholds);
        Assert.Equal(4, ItemBank.FromParameterRows(PolytomousModel.NRM, [[1.0, 0.1, 0.9, -0.2, 1.1, 0.3]])[0].CategoryCount);
        Assert.Equal(4, ItemBank.FromParameterRows(PolytomousModel.PCM, [[0.1, 0.2, 0.3]])[0].CategoryCount);
        Assert.Equal(4, ItemBank.FromParameterRows(PolytomousModel.MGRM, [[1.0, 0.1, 0.9, -0.2, -1.1]])[0].CategoryCount);
        Assert.Equal(
            ["a, b1, b2", "a, b, c1, c2", "delta1, delta2", "a, delta1, delta2", "lambda, delta1, delta2", "alpha1, c1, alpha2, c2"],
            Enum.GetValues<PolytomousModel>().Select(model => PolytomousItem.ParameterNames(model, 3)));
    }

    [Fact]
    public void BadParameterRowsAreRejectedNamingTheItemAndTheField()
    {
        AssertRejected(() => ItemBank.FromParameterRows(PolytomousModel.GRM, [[1.0, 0.1], [1.0, null, 0.4]]), "Item 1's row has a null at parameter 2 (b1) but a value at parameter 3", "null only pads the end");
        AssertRejected(() => ItemBank.FromParameterRows(PolytomousModel.GRM, [[1.0, 0.1], [1.0, 0.4]], [2, 3]), "Item 1 has 3 categories but 2 parameters", "a, b1, b2");
        AssertRejected(() => ItemBank.FromParameterRows(PolytomousModel.GPCM, [[1.0, 0.1], [1.0]], [2, 1]), "Item 1 has 1 response categories");
        AssertRejected(() => ItemBank.FromParameterRows(PolytomousModel.GPCM, [[1.0, 0.1], [1.0, double.NaN]]), "item '1'", "delta1", "finite");
        AssertRejected(() => ItemBank.FromParameterRows(PolytomousModel.GRM, [[1.0, 0.1, 0.5], [1.0, 0.4, 0.2]]), "item '1'", "b2", "not be below b1");
        AssertRejected(() => ItemBank.FromParameterRows(PolytomousModel.GRM, [[1.0, 0.1]], [2, 2]), "1 parameter rows but 2 category counts");
    }

    private static void AssertRejected(Action action, params string[] fragments)
    {
        var error = Assert.ThrowsAny<ArgumentException>(action);
        foreach (var fragment in fragments) Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
    }

    private static void AssertRejected(Func<object> action, params string[] fragments) => AssertRejected(() => { action(); }, fragments);
}
