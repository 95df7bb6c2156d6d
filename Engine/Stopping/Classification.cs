namespace Engine.Stopping;

/// <summary>Where the examinee stands relative to one cut score.</summary>
public enum CutDecision
{
    /// <summary>The evidence does not settle this cut yet.</summary>
    Undecided,

    /// <summary>θ is below the cut.</summary>
    Below,

    /// <summary>θ is above the cut.</summary>
    Above,
}

/// <summary>One cut score's decision.</summary>
/// <param name="CutScore">The cut on the θ scale.</param>
/// <param name="Decision">Above, below or undecided.</param>
/// <param name="Forced">True when the rule had not decided this cut and the decision was forced because the test ended.</param>
/// <param name="LogLikelihoodRatio">The SPRT statistic log L(c + δ) − log L(c − δ); null for rules that use no likelihood ratio.</param>
public readonly record struct CutClassification(double CutScore, CutDecision Decision, bool Forced, double? LogLikelihoodRatio);

/// <summary>A classification against ordered cut scores.</summary>
/// <param name="Level">
/// The number of cuts the examinee is above (0 = below every cut; with one cut, 0 = fail and 1 = pass), or null while
/// some cut is undecided or the decisions contradict each other (above a cut but below a lower one).
/// </param>
/// <param name="Cuts">Each cut's decision, in increasing order of the cuts.</param>
/// <param name="Forced">
/// True when the test ended before the rule settled the classification, so the level is the best current decision
/// rather than one the rule reached.
/// </param>
public sealed record Classification(int? Level, IReadOnlyList<CutClassification> Cuts, bool Forced)
{
    /// <summary>
    /// The classification from per-cut decisions in increasing cut order. Decisions are consistent when no cut is
    /// "above" after one that is "below"; then the level counts the "above" cuts. When <paramref name="force"/> is set
    /// and they are inconsistent, the level is the number of leading "above" cuts: an examinee is placed above a cut
    /// only when also above every lower one.
    /// </summary>
    internal static Classification FromCuts(CutClassification[] cuts, bool force)
    {
        var forced = false;
        var above = 0;
        var leadingAbove = 0;
        var seenBelow = false;
        var consistent = true;
        foreach (var cut in cuts)
        {
            forced |= cut.Forced;
            switch (cut.Decision)
            {
                case CutDecision.Undecided:
                    consistent = false;
                    break;
                case CutDecision.Below:
                    seenBelow = true;
                    break;
                case CutDecision.Above:
                    above++;
                    if (seenBelow) consistent = false;
                    else leadingAbove++;
                    break;
            }
        }
        if (consistent) return new Classification(above, cuts, forced);
        return force ? new Classification(leadingAbove, cuts, Forced: true) : new Classification(null, cuts, Forced: false);
    }
}

/// <summary>A stopping rule that also classifies the examinee against cut scores at any point of the test.</summary>
public interface IClassifyingRule : IStoppingRule
{
    /// <summary>The cut scores on the θ scale, as given.</summary>
    IReadOnlyList<double> CutScores { get; }

    /// <summary>
    /// The classification after the answers in <paramref name="context"/>. With <paramref name="force"/> (the test has
    /// ended), every undecided cut gets the decision the current evidence favours and is marked forced.
    /// </summary>
    Classification Classify(in StoppingContext context, bool force = false);
}
