using Engine.Bank;

namespace Engine.Estimation;

/// <summary>The estimating equations solved by the ML, BM and WL estimators, and their solution rule.</summary>
internal enum ScoreKind
{
    MaximumLikelihood,
    BayesModal,
    WeightedLikelihood,
}

/// <summary>S(θ) plus the method's term: 0 (ML), (μ − θ)/σ² (BM) or ΣJ / (2·ΣI) (WL).</summary>
internal readonly ref struct ScoreEquation : IScalarFunction
{
    private readonly ItemBank _bank;
    private readonly ReadOnlySpan<int> _items;
    private readonly ReadOnlySpan<int> _responses;
    private readonly ScoreKind _kind;
    private readonly NormalPrior _prior;

    public ScoreEquation(ItemBank bank, ReadOnlySpan<int> items, ReadOnlySpan<int> responses, ScoreKind kind, NormalPrior prior)
    {
        _bank = bank;
        _items = items;
        _responses = responses;
        _kind = kind;
        _prior = prior;
    }

    public double Evaluate(double theta)
    {
        double score = 0, information = 0, warm = 0;
        for (var k = 0; k < _items.Length; k++)
        {
            var item = _bank[_items[k]];
            score += item.Score(theta, _responses[k]);
            if (_kind == ScoreKind.WeightedLikelihood)
            {
                information += item.Information(theta);
                warm += item.WarmTerm(theta);
            }
        }
        return _kind switch
        {
            ScoreKind.BayesModal => score + (_prior.Mean - theta) * _prior.Precision,
            ScoreKind.WeightedLikelihood => score + warm / (2 * information),
            _ => score,
        };
    }

    /// <summary>ΣI(θ) over the pattern's items.</summary>
    public double TestInformation(double theta)
    {
        double information = 0;
        foreach (var index in _items) information += _bank[index].Information(theta);
        return information;
    }

    /// <summary>
    /// True when every item of the pattern is polytomous: then the equation is solved with catR's polytomous rule,
    /// otherwise (dichotomous or mixed patterns) with its dichotomous rule; see <see cref="Solve"/>.
    /// </summary>
    public bool UsesPolytomousRule
    {
        get
        {
            foreach (var index in _items)
            {
                if (!_bank[index].IsPolytomous) return false;
            }
            return true;
        }
    }

    /// <summary>
    /// The root on the range: Brent's method where the equation changes sign between the ends (or is 0 at one).
    /// Otherwise catR's polytomous rule takes the bound both ends point to: the upper bound if both are positive, the
    /// lower if both are negative. Its dichotomous rule looks inside first: the upper bound if the equation's minimum
    /// is positive, the lower bound if its maximum is negative, else the root between the two extrema.
    /// </summary>
    /// <remarks>
    /// A mixed pattern takes the dichotomous rule. The two rules give the same result unless the equation keeps one
    /// sign at both ends and crosses zero inside, which needs a non-monotone term: a 3PL/4PL score (the reason catR's
    /// dichotomous rule searches) or Warm's correction. There the dichotomous rule finds the root instead of reporting
    /// a bound the equation contradicts, and a pattern with a dichotomous item can hold such a 3PL/4PL term.
    /// </remarks>
    public (double Theta, EstimateOrigin Origin) Solve(AbilityRange range)
    {
        const double rootTolerance = 1e-12;
        const double extremumTolerance = 1e-10;
        var self = this;
        var atMin = Evaluate(range.Min);
        var atMax = Evaluate(range.Max);
        // Signs compared, not the product, which underflows to 0 when both values are tiny.
        if ((atMin <= 0 && atMax >= 0) || (atMin >= 0 && atMax <= 0))
            return (BrentSolver.FindRoot(ref self, range.Min, range.Max, atMin, atMax, rootTolerance), EstimateOrigin.Root);
        if (UsesPolytomousRule) return atMin > 0 ? (range.Max, EstimateOrigin.UpperBound) : (range.Min, EstimateOrigin.LowerBound);

        var argMin = BrentSolver.Minimize(ref self, range.Min, range.Max, extremumTolerance);
        var minimum = Evaluate(argMin);
        if (minimum > 0) return (range.Max, EstimateOrigin.UpperBound);
        var negated = new Negated<ScoreEquation>(self);
        var argMax = BrentSolver.Minimize(ref negated, range.Min, range.Max, extremumTolerance);
        var maximum = Evaluate(argMax);
        if (maximum < 0) return (range.Min, EstimateOrigin.LowerBound);

        var (lower, upper) = argMax < argMin ? (argMax, argMin) : (argMin, argMax);
        var (fLower, fUpper) = argMax < argMin ? (maximum, minimum) : (minimum, maximum);
        return (BrentSolver.FindRoot(ref self, lower, upper, fLower, fUpper, rootTolerance), EstimateOrigin.InteriorFallback);
    }

    private ref struct Negated<TFunction>(TFunction inner) : IScalarFunction
        where TFunction : IScalarFunction, allows ref struct
    {
        private TFunction _inner = inner;

        public double Evaluate(double x) => -_inner.Evaluate(x);
    }
}
