using Engine.Bank;

namespace Engine.Stopping;

/// <summary>What a stopping rule sees after an answer.</summary>
/// <param name="ItemsAdministered">Items answered so far.</param>
/// <param name="Theta">Current ability estimate.</param>
/// <param name="StandardError">Its standard error.</param>
/// <param name="ItemsAvailable">Items that could still be given.</param>
public readonly record struct StoppingContext(int ItemsAdministered, double Theta, double StandardError, int ItemsAvailable)
{
    /// <summary>The bank <see cref="Items"/> index into; null when the caller passes only θ and SE.</summary>
    /// <remarks>Rules that weigh the answers themselves (<see cref="SprtRule"/>) need it whenever there are answers.</remarks>
    public ItemBank? Bank { get; init; }

    /// <summary>The items answered, in order (0-based bank indices); empty when the caller passes only θ and SE.</summary>
    public ReadOnlyMemory<int> Items { get; init; }

    /// <summary>The response to each item in <see cref="Items"/>.</summary>
    public ReadOnlyMemory<int> Responses { get; init; }
}

/// <summary>A condition that ends the test.</summary>
public interface IStoppingRule
{
    /// <summary>The rule's name as reported when it fires, e.g. "max_items".</summary>
    string Name { get; }

    /// <summary>True when the test should end.</summary>
    bool IsMet(in StoppingContext context);
}

/// <summary>Ends the test once <see cref="Count"/> items have been given.</summary>
public sealed class MaxItemsRule : IStoppingRule
{
    /// <summary>Creates the rule; at least one item.</summary>
    public MaxItemsRule(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Count = count;
    }

    /// <summary>Test length limit.</summary>
    public int Count { get; }

    /// <inheritdoc />
    public string Name => "max_items";

    /// <inheritdoc />
    public bool IsMet(in StoppingContext context) => context.ItemsAdministered >= Count;
}

/// <summary>Ends the test when the standard error is at or below a target precision.</summary>
public sealed class StandardErrorRule : IStoppingRule
{
    /// <summary>Creates the rule for a positive finite target.</summary>
    public StandardErrorRule(double target)
    {
        if (!double.IsFinite(target) || target <= 0) throw new ArgumentOutOfRangeException(nameof(target), target, "The SE target must be a finite number > 0.");
        Target = target;
    }

    /// <summary>The SE to reach.</summary>
    public double Target { get; }

    /// <inheritdoc />
    public string Name => "se_target";

    /// <inheritdoc />
    public bool IsMet(in StoppingContext context) => context.StandardError <= Target;
}

/// <summary>Ends the test when the interval θ̂ ± z·SE contains none of the cut scores: the classification is settled.</summary>
public sealed class ClassificationRule : IClassifyingRule
{
    private readonly double[] _cuts;
    // Classify reports the cuts in increasing order, so that a level counts the cuts below it.
    private readonly double[] _sortedCuts;

    /// <summary>Creates the rule for one or more cut scores and a z multiplier (1.96 for a 95 % interval).</summary>
    public ClassificationRule(IEnumerable<double> cutScores, double z = 1.96)
    {
        ArgumentNullException.ThrowIfNull(cutScores);
        _cuts = cutScores.ToArray();
        if (_cuts.Length == 0) throw new ArgumentException("The classification rule needs at least one cut score.", nameof(cutScores));
        if (_cuts.Any(c => !double.IsFinite(c))) throw new ArgumentOutOfRangeException(nameof(cutScores), "Cut scores must be finite.");
        if (!double.IsFinite(z) || z <= 0) throw new ArgumentOutOfRangeException(nameof(z), z, "z must be a finite number > 0.");
        Z = z;
        _sortedCuts = _cuts.Order().ToArray();
    }

    /// <summary>The cut scores on the θ scale.</summary>
    public IReadOnlyList<double> CutScores => _cuts;

    /// <summary>The interval half-width in standard errors.</summary>
    public double Z { get; }

    /// <inheritdoc />
    public string Name => "classification";

    /// <inheritdoc />
    public bool IsMet(in StoppingContext context)
    {
        if (!double.IsFinite(context.StandardError)) return false;
        var low = context.Theta - Z * context.StandardError;
        var high = context.Theta + Z * context.StandardError;
        foreach (var cut in _cuts)
        {
            if (cut >= low && cut <= high) return false;
        }
        return true;
    }

    /// <summary>
    /// Each cut (in increasing order) is "above" when it lies below the interval θ̂ ± z·SE, "below" when it lies above
    /// it, else undecided; forced, an undecided cut is "above" when θ̂ &gt; cut, else "below". No log LR is reported.
    /// </summary>
    public Classification Classify(in StoppingContext context, bool force = false)
    {
        var decided = double.IsFinite(context.StandardError);
        var low = context.Theta - Z * context.StandardError;
        var high = context.Theta + Z * context.StandardError;
        var cuts = new CutClassification[_sortedCuts.Length];
        for (var k = 0; k < cuts.Length; k++)
        {
            var cut = _sortedCuts[k];
            var decision = !decided ? CutDecision.Undecided
                : cut < low ? CutDecision.Above
                : cut > high ? CutDecision.Below
                : CutDecision.Undecided;
            var forced = force && decision == CutDecision.Undecided;
            if (forced) decision = context.Theta > cut ? CutDecision.Above : CutDecision.Below;
            cuts[k] = new CutClassification(cut, decision, forced, LogLikelihoodRatio: null);
        }
        return Classification.FromCuts(cuts, force);
    }
}

/// <summary>Ends the test when no item is left to give.</summary>
public sealed class BankExhaustedRule : IStoppingRule
{
    /// <inheritdoc />
    public string Name => "bank_exhausted";

    /// <inheritdoc />
    public bool IsMet(in StoppingContext context) => context.ItemsAvailable <= 0;
}
