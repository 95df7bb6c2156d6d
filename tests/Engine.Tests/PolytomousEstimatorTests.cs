using Engine.Bank;
using Engine.Estimation;
using Engine.Models;
using Xunit;

namespace Engine.Tests;

/// <summary>
/// The estimators on polytomous, mixed and dichotomous patterns that are not in the reference files, against an
/// independent solution: the README's estimating equations from <see cref="CatRFormulas"/> (numerical derivatives),
/// catR's bound rules applied by a grid search and bisection, and EAP by separate quadratures.
/// </summary>
public class PolytomousEstimatorTests
{
    private static readonly AbilityRange Range = AbilityRange.Default;

    public static TheoryData<int, string> Cases()
    {
        var data = new TheoryData<int, string>();
        foreach (var seed in new[] { 1, 2, 3, 4 })
        {
            foreach (var kind in new[] { "polytomous", "mixed", "dichotomous" }) data.Add(seed, kind);
        }
        return data;
    }

    private static ItemBank RandomBank(int seed)
    {
        var random = new Random(seed);
        var logistic = Enumerable.Range(0, 40).Select(i => (IItemModel)(i % 4 == 0
            ? LogisticItem.Rasch(-2.5 + 5 * random.NextDouble())
            : new LogisticItem(0.5 + 1.5 * random.NextDouble(), -2.5 + 5 * random.NextDouble(), i % 4 == 1 ? 0 : 0.25 * random.NextDouble())));
        return new ItemBank(PolytomousModelTests.RandomItems(seed, 80).Where(item => item is PolytomousItem).Concat(logistic));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RootEstimatesAndStandardErrorsMatchTheIndependentSolution(int seed, string kind)
    {
        var bank = RandomBank(seed);
        var random = new Random(seed * 31 + kind.Length);
        var compared = 0;
        for (var trial = 0; trial < 30; trial++)
        {
            var (items, responses) = RandomPattern(bank, kind, random);
            foreach (var method in new[] { "ML", "BM", "WL" })
            {
                IAbilityEstimator estimator = method switch
                {
                    "ML" => new MaximumLikelihoodEstimator(),
                    "BM" => new BayesModalEstimator(),
                    _ => new WeightedLikelihoodEstimator(),
                };
                var estimate = estimator.Estimate(bank, items, responses);
                var independent = IndependentSolution(bank, items, responses, method);
                if (independent is null) continue;
                var where = $"{kind} seed {seed} trial {trial} {method} items [{string.Join(',', items)}] responses [{string.Join(',', responses)}]";
                Assert.True(independent.Value.Origin == estimate.Origin, $"{where}: origin {estimate.Origin}, independent {independent.Value.Origin}");
                if (estimate.Origin is EstimateOrigin.UpperBound or EstimateOrigin.LowerBound) Assert.Equal(independent.Value.Roots.Single(), estimate.Theta);
                // Where the equation has several roots, which one Brent's steps reach is pinned by the reference files;
                // here the estimate must be one of them.
                var nearest = independent.Value.Roots.MinBy(root => Math.Abs(root - estimate.Theta));
                CatRReferenceTests.AssertClose(nearest, estimate.Theta, 1e-6, where);
                var information = items.Sum(i => CatRFormulas.For(bank[i]).Information(estimate.Theta)) + (method == "BM" ? 1 : 0);
                CatRReferenceTests.AssertClose(1 / Math.Sqrt(information), estimate.StandardError, 1e-6, $"{where}: SE");
                compared++;
            }
        }
        Assert.True(compared >= 75, $"only {compared} estimates were compared");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EapMatchesTheTrapezoidalRuleOnTheFormulas(int seed, string kind)
    {
        var bank = RandomBank(seed);
        var random = new Random(seed * 17 + kind.Length);
        for (var trial = 0; trial < 30; trial++)
        {
            var (items, responses) = RandomPattern(bank, kind, random);
            var estimate = new ExpectedAPosterioriEstimator().Estimate(bank, items, responses);
            // 61 nodes with both ends, weights φ(X)·L(X) with L the product of probabilities, half weight at the ends.
            double mass = 0, first = 0;
            var nodes = Enumerable.Range(0, 61).Select(q => -4 + 8.0 * q / 60).ToArray();
            var weights = nodes.Select((x, q) => (q is 0 or 60 ? 0.5 : 1) * Math.Exp(-x * x / 2) / Math.Sqrt(2 * Math.PI) * Likelihood(bank, items, responses, x)).ToArray();
            for (var q = 0; q < nodes.Length; q++)
            {
                mass += weights[q];
                first += weights[q] * nodes[q];
            }
            var mean = first / mass;
            var sd = Math.Sqrt(nodes.Select((x, q) => weights[q] * (x - mean) * (x - mean)).Sum() / mass);
            CatRReferenceTests.AssertClose(mean, estimate.Theta, 1e-10, $"{kind} trial {trial}: EAP");
            CatRReferenceTests.AssertClose(sd, estimate.StandardError, 1e-10, $"{kind} trial {trial}: EAP SE");
        }
    }

    [Theory]
    [InlineData("polytomous")]
    [InlineData("mixed")]
    public void EapOnAFineGridMatchesSimpsonsRuleOnTheFormulas(string kind)
    {
        // A fine trapezoidal grid converges to the posterior mean over [−4, 4] (error ~h², ~1e-8 here even with the
        // posterior against a bound); composite Simpson with 8,000 intervals, written here from the formulas, reaches
        // it to ~1e-12.
        var bank = RandomBank(9);
        var random = new Random(kind.Length);
        var fine = new ExpectedAPosterioriEstimator(new QuadratureGrid(-4, 4, 9601));
        for (var trial = 0; trial < 8; trial++)
        {
            var (items, responses) = RandomPattern(bank, kind, random);
            const int intervals = 8000;
            double mass = 0, first = 0, second = 0;
            for (var q = 0; q <= intervals; q++)
            {
                var x = -4 + 8.0 * q / intervals;
                var w = (q == 0 || q == intervals ? 1 : q % 2 == 1 ? 4 : 2) * Math.Exp(-x * x / 2) * Likelihood(bank, items, responses, x);
                mass += w;
                first += w * x;
                second += w * x * x;
            }
            var mean = first / mass;
            var estimate = fine.Estimate(bank, items, responses);
            CatRReferenceTests.AssertClose(mean, estimate.Theta, 5e-8, $"{kind} trial {trial}: EAP");
            CatRReferenceTests.AssertClose(Math.Sqrt(second / mass - mean * mean), estimate.StandardError, 5e-8, $"{kind} trial {trial}: EAP SE");
        }
    }

    [Fact]
    public void TheSameEquationTakesCatRsPolytomousRuleOnlyWhenEveryItemIsPolytomous()
    {
        // A two-category GRM item is the 2PL item with the same a and b, so both patterns below have the same WL
        // equation: negative at −4 and at 4, positive in between. catR's polytomous rule returns −4 without looking
        // inside; the mixed pattern takes the dichotomous rule, which finds the root between the equation's extrema.
        var graded = new GradedResponseItem(1.85, [0.74, 1.35], scaling: 1.702);
        var polytomous = new ItemBank([new GradedResponseItem(0.55, [-2.37]), graded]);
        var mixed = new ItemBank([new LogisticItem(0.55, -2.37), graded]);
        int[] items = [0, 1];
        int[] responses = [0, 0];
        var grid = Enumerable.Range(0, 801).Select(k => Equation(mixed, items, responses, "WL", -4 + k / 100.0)).ToArray();
        Assert.True(grid[0] < 0 && grid[^1] < 0 && grid.Max() > 0, "premise: same sign at both ends, a crossing inside");
        foreach (var theta in new[] { -4, -1.3, 0.2, 4 })
        {
            Assert.Equal(mixed[0].Score(theta, 0), polytomous[0].Score(theta, 0), 14);
            Assert.Equal(mixed[0].Information(theta), polytomous[0].Information(theta), 14);
            Assert.Equal(mixed[0].WarmTerm(theta), polytomous[0].WarmTerm(theta), 14);
        }

        var onlyPolytomous = new WeightedLikelihoodEstimator().Estimate(polytomous, items, responses);
        Assert.Equal((-4.0, EstimateOrigin.LowerBound), (onlyPolytomous.Theta, onlyPolytomous.Origin));
        Assert.Equal(1 / Math.Sqrt(polytomous[0].Information(-4) + polytomous[1].Information(-4)), onlyPolytomous.StandardError, 12);

        var withDichotomous = new WeightedLikelihoodEstimator().Estimate(mixed, items, responses);
        Assert.Equal(EstimateOrigin.InteriorFallback, withDichotomous.Origin);
        CatRReferenceTests.AssertClose(IndependentSolution(mixed, items, responses, "WL")!.Value.Roots.Single(), withDichotomous.Theta, 1e-6, "mixed WL");
    }

    [Fact]
    public void AMixedPatternWithAGuessingItemFindsTheInteriorRoot()
    {
        // A partial credit item in its lowest category and a 3PL item answered right: the ML score is negative at both
        // ends (the 3PL term vanishes at −4, where guessing explains the answer) and positive in between.
        var bank = new ItemBank([PartialCreditItem.Rasch([0.81, 0.49, 2.14, 1.85]), new LogisticItem(1.87, -0.43, 0.29)]);
        int[] items = [0, 1];
        int[] responses = [0, 1];
        var grid = Enumerable.Range(0, 801).Select(k => Equation(bank, items, responses, "ML", -4 + k / 100.0)).ToArray();
        Assert.True(grid[0] < 0 && grid[^1] < 0 && grid.Max() > 0, "premise: same sign at both ends, a crossing inside");
        var estimate = new MaximumLikelihoodEstimator().Estimate(bank, items, responses);
        Assert.Equal(EstimateOrigin.InteriorFallback, estimate.Origin);
        CatRReferenceTests.AssertClose(IndependentSolution(bank, items, responses, "ML")!.Value.Roots.Single(), estimate.Theta, 1e-6, "mixed ML");
    }

    [Fact]
    public void WideRangesAndGridsStayFinite()
    {
        var bank = new ItemBank([new GradedResponseItem(1.4, [-1, 0, 1.5]), new PartialCreditItem(0.9, [0.4, -0.3]), new NominalResponseItem([0.8, 1.6], [0.2, -0.5])]);
        int[] items = [0, 1, 2];
        var wide = new AbilityRange(-30, 30);
        var highest = new MaximumLikelihoodEstimator(wide).Estimate(bank, items, [3, 2, 2]);
        Assert.Equal((30.0, EstimateOrigin.UpperBound), (highest.Theta, highest.Origin));
        Assert.True(double.IsFinite(highest.StandardError) && highest.StandardError > 1e3, $"SE {highest.StandardError}");
        var lowest = new MaximumLikelihoodEstimator(wide).Estimate(bank, items, [0, 0, 0]);
        Assert.Equal((-30.0, EstimateOrigin.LowerBound), (lowest.Theta, lowest.Origin));
        foreach (var estimator in new IAbilityEstimator[] { new BayesModalEstimator(range: wide), new WeightedLikelihoodEstimator(wide), new ExpectedAPosterioriEstimator(new QuadratureGrid(-30, 30, 601)) })
        {
            foreach (var responses in new[] { new[] { 3, 2, 2 }, new[] { 0, 0, 0 }, new[] { 1, 1, 0 } })
            {
                var estimate = estimator.Estimate(bank, items, responses);
                Assert.True(double.IsFinite(estimate.Theta) && double.IsFinite(estimate.StandardError), $"{estimator.Name} {string.Join(',', responses)}: {estimate}");
            }
        }
    }

    private static (int[] Items, int[] Responses) RandomPattern(ItemBank bank, string kind, Random random)
    {
        var candidates = Enumerable.Range(0, bank.Count).Where(i => kind switch
        {
            "polytomous" => bank[i].IsPolytomous,
            "dichotomous" => !bank[i].IsPolytomous,
            _ => true,
        }).OrderBy(_ => random.Next()).ToArray();
        var length = 1 + random.Next(12);
        var items = candidates.Take(length).ToArray();
        if (kind == "mixed" && (items.All(i => bank[i].IsPolytomous) || items.All(i => !bank[i].IsPolytomous)))
        {
            items = [candidates.First(i => bank[i].IsPolytomous), candidates.First(i => !bank[i].IsPolytomous), .. items.Take(length - 2)];
            items = items.Distinct().ToArray();
        }
        // Responses drawn at a true θ, so that patterns look like real ones, with some constant patterns mixed in.
        var theta = -2.5 + 5 * random.NextDouble();
        var constant = random.Next(6);
        var responses = items.Select(i => constant switch
        {
            0 => 0,
            1 => bank[i].CategoryCount - 1,
            _ => Draw(CatRFormulas.For(bank[i]).Probabilities(theta), random.NextDouble()),
        }).ToArray();
        return (items, responses);
    }

    private static int Draw(double[] p, double u)
    {
        var k = 0;
        for (var sum = p[0]; k < p.Length - 1 && sum <= u; sum += p[++k])
        {
        }
        return k;
    }

    private static double Likelihood(ItemBank bank, int[] items, int[] responses, double theta) =>
        items.Select((item, k) => CatRFormulas.For(bank[item]).Probabilities(theta)[responses[k]]).Aggregate(1.0, (a, b) => a * b);

    // The estimating equation from the formulas: d log L/dθ by central differences, plus the method's term.
    private static double Equation(ItemBank bank, int[] items, int[] responses, string method, double theta)
    {
        const double h = 1e-5;
        double score = 0, information = 0, warm = 0;
        for (var k = 0; k < items.Length; k++)
        {
            var formulas = CatRFormulas.For(bank[items[k]]);
            score += (Math.Log(formulas.Probabilities(theta + h)[responses[k]]) - Math.Log(formulas.Probabilities(theta - h)[responses[k]])) / (2 * h);
            if (method != "WL") continue;
            information += formulas.Information(theta);
            warm += formulas.WarmTerm(theta);
        }
        return method switch
        {
            "BM" => score - theta,
            "WL" => score + warm / (2 * information),
            _ => score,
        };
    }

    // catR's rules as the README states them: a root where the ends differ in sign; otherwise, for patterns of
    // polytomous items only, the bound the ends point to; for the others (the engine's documented choice for mixed
    // patterns) the bound if the equation keeps its sign on a fine grid, else the root between its extrema. Every root
    // the grid shows is returned where there are several; null when the pattern is too close to a rule's edge for a
    // numerical equation to decide it.
    private static (EstimateOrigin Origin, double[] Roots)? IndependentSolution(ItemBank bank, int[] items, int[] responses, string method)
    {
        double F(double theta) => Equation(bank, items, responses, method, theta);
        var grid = Enumerable.Range(0, 801).Select(k => Range.Min + k / 100.0).ToArray();
        var values = grid.Select(F).ToArray();
        if (values.Any(value => Math.Abs(value) < 1e-7)) return null;
        double[] RootsBetween(double lower, double upper) => Enumerable.Range(1, grid.Length - 1)
            .Where(k => grid[k - 1] >= lower && grid[k] <= upper && Math.Sign(values[k]) != Math.Sign(values[k - 1]))
            .Select(k => Bisect(F, grid[k - 1], grid[k])).ToArray();
        var (atMin, atMax) = (values[0], values[^1]);
        if (Math.Sign(atMin) != Math.Sign(atMax)) return (EstimateOrigin.Root, RootsBetween(Range.Min, Range.Max));
        if (items.All(i => bank[i].IsPolytomous))
            return atMin > 0 ? (EstimateOrigin.UpperBound, [Range.Max]) : (EstimateOrigin.LowerBound, [Range.Min]);
        var (min, max) = (values.Min(), values.Max());
        if (min > 0) return (EstimateOrigin.UpperBound, [Range.Max]);
        if (max < 0) return (EstimateOrigin.LowerBound, [Range.Min]);
        var (argMin, argMax) = (grid[Array.IndexOf(values, min)], grid[Array.IndexOf(values, max)]);
        return (EstimateOrigin.InteriorFallback, RootsBetween(Math.Min(argMin, argMax), Math.Max(argMin, argMax)));
    }

    private static double Bisect(Func<double, double> f, double lower, double upper)
    {
        var lowerSign = Math.Sign(f(lower));
        for (var i = 0; i < 200 && upper - lower > 1e-12; i++)
        {
            var middle = (lower + upper) / 2;
            if (Math.Sign(f(middle)) == lowerSign) lower = middle;
            else upper = middle;
        }
        return (lower + upper) / 2;
    }
}
