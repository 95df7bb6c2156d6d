namespace Engine.Stopping;

/// <summary>
/// Wald's sequential probability ratio test for classification (Reckase 1983; Eggen 1999, generalised to several
/// ordered cuts). For each cut c with indifference half-width δ, log LR = Σ_i [log P_i(u_i | c + δ) − log P_i(u_i | c − δ)]
/// over the answered items, with each item model's log-likelihood of the observed category (dichotomous or
/// polytomous). The cut is decided "above" when log LR ≥ log((1 − β)/α), "below" when log LR ≤ log(β/(1 − α)), else it
/// stays undecided. The rule is met when every cut is decided and the decisions are consistent (see
/// <see cref="Classification"/>).
/// </summary>
public sealed class SprtRule : IClassifyingRule
{
    // Ratios of up to this many cuts are kept on the stack when the rule is checked after each answer.
    private const int StackCuts = 32;
    private readonly double[] _cuts;

    /// <summary>
    /// Creates the rule for cut scores in strictly increasing order, an indifference half-width δ &gt; 0 whose regions
    /// [c − δ, c + δ] do not overlap, and error rates α (deciding "above" for θ ≤ c − δ) and β (deciding "below" for
    /// θ ≥ c + δ) in (0, 0.5).
    /// </summary>
    public SprtRule(IEnumerable<double> cutScores, double indifference, double alpha = 0.05, double beta = 0.05)
    {
        ArgumentNullException.ThrowIfNull(cutScores);
        _cuts = cutScores.ToArray();
        if (_cuts.Length == 0) throw new ArgumentException("The SPRT rule needs at least one cut score.", nameof(cutScores));
        if (_cuts.Any(c => !double.IsFinite(c))) throw new ArgumentOutOfRangeException(nameof(cutScores), "Cut scores must be finite.");
        for (var k = 1; k < _cuts.Length; k++)
        {
            if (!(_cuts[k] > _cuts[k - 1]))
                throw new ArgumentException($"Cut scores must be strictly increasing; cut {k} ({_cuts[k]}) follows {_cuts[k - 1]}.", nameof(cutScores));
        }
        if (!double.IsFinite(indifference) || indifference <= 0)
            throw new ArgumentOutOfRangeException(nameof(indifference), indifference, "The indifference half-width δ must be a finite number > 0.");
        for (var k = 1; k < _cuts.Length; k++)
        {
            if (!(_cuts[k - 1] + indifference < _cuts[k] - indifference))
            {
                throw new ArgumentOutOfRangeException(nameof(indifference), indifference,
                    $"The indifference regions of cuts {_cuts[k - 1]} and {_cuts[k]} overlap: δ must be less than half their distance.");
            }
        }
        if (!(alpha > 0 && alpha < 0.5)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must be in (0, 0.5).");
        if (!(beta > 0 && beta < 0.5)) throw new ArgumentOutOfRangeException(nameof(beta), beta, "β must be in (0, 0.5).");
        Indifference = indifference;
        Alpha = alpha;
        Beta = beta;
        UpperBound = Math.Log((1 - beta) / alpha);
        LowerBound = Math.Log(beta / (1 - alpha));
    }

    /// <inheritdoc />
    public IReadOnlyList<double> CutScores => _cuts;

    /// <summary>The indifference half-width δ.</summary>
    public double Indifference { get; }

    /// <summary>The error rate α of deciding "above" for θ at c − δ.</summary>
    public double Alpha { get; }

    /// <summary>The error rate β of deciding "below" for θ at c + δ.</summary>
    public double Beta { get; }

    /// <summary>log((1 − β)/α): a log LR at or above it decides "above".</summary>
    public double UpperBound { get; }

    /// <summary>log(β/(1 − α)): a log LR at or below it decides "below".</summary>
    public double LowerBound { get; }

    /// <inheritdoc />
    public string Name => "sprt";

    /// <summary>
    /// Writes each cut's log LR over the answers in <paramref name="context"/> into <paramref name="destination"/>
    /// (length ≥ the number of cuts); 0 for every cut before the first answer.
    /// </summary>
    public void LogLikelihoodRatios(in StoppingContext context, Span<double> destination)
    {
        if (destination.Length < _cuts.Length)
            throw new ArgumentException($"The destination holds {destination.Length} values; the rule has {_cuts.Length} cuts.", nameof(destination));
        var items = context.Items.Span;
        var responses = context.Responses.Span;
        if (items.Length != responses.Length)
            throw new ArgumentException($"The context has {items.Length} items but {responses.Length} responses.", nameof(context));
        if (items.Length > 0 && context.Bank is null)
            throw new ArgumentException("The SPRT rule needs the item bank of the answered items in the context.", nameof(context));
        var ratios = destination[.._cuts.Length];
        ratios.Clear();
        for (var i = 0; i < items.Length; i++)
        {
            var item = context.Bank![items[i]];
            for (var k = 0; k < _cuts.Length; k++)
            {
                ratios[k] += item.LogLikelihood(_cuts[k] + Indifference, responses[i]) - item.LogLikelihood(_cuts[k] - Indifference, responses[i]);
            }
        }
    }

    /// <summary>The decision one log LR leads to.</summary>
    public CutDecision Decide(double logLikelihoodRatio) =>
        logLikelihoodRatio >= UpperBound ? CutDecision.Above
        : logLikelihoodRatio <= LowerBound ? CutDecision.Below
        : CutDecision.Undecided;

    /// <inheritdoc />
    public bool IsMet(in StoppingContext context)
    {
        Span<double> ratios = _cuts.Length <= StackCuts ? stackalloc double[_cuts.Length] : new double[_cuts.Length];
        LogLikelihoodRatios(context, ratios);
        var seenBelow = false;
        foreach (var ratio in ratios)
        {
            switch (Decide(ratio))
            {
                case CutDecision.Undecided:
                    return false;
                case CutDecision.Below:
                    seenBelow = true;
                    break;
                case CutDecision.Above when seenBelow:
                    return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Each cut's decision with its log LR; forced, an undecided cut is "above" when its log LR &gt; 0 (the data favour
    /// c + δ), else "below" (a tie gives no evidence of being above).
    /// </summary>
    public Classification Classify(in StoppingContext context, bool force = false)
    {
        var ratios = new double[_cuts.Length];
        LogLikelihoodRatios(context, ratios);
        var cuts = new CutClassification[_cuts.Length];
        for (var k = 0; k < cuts.Length; k++)
        {
            var decision = Decide(ratios[k]);
            var forced = force && decision == CutDecision.Undecided;
            if (forced) decision = ratios[k] > 0 ? CutDecision.Above : CutDecision.Below;
            cuts[k] = new CutClassification(_cuts[k], decision, forced, ratios[k]);
        }
        return Classification.FromCuts(cuts, force);
    }
}
