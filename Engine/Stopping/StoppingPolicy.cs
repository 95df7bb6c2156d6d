namespace Engine.Stopping;

/// <summary>Whether the test ends, and which rule ended it.</summary>
public readonly record struct StopDecision(bool Stop, string? Rule)
{
    /// <summary>
    /// True when a rule was met but the policy's <see cref="StoppingPolicy.Gate"/> kept the test going (e.g. the SE
    /// target reached with topic minimums still owed): the next item should serve the gate.
    /// </summary>
    public bool HeldByGate { get; init; }

    /// <summary>Keep going.</summary>
    public static StopDecision Continue { get; } = new(false, null);
}

/// <summary>A condition that must hold before precision or classification rules may end a test (e.g. content minimums met).</summary>
public interface IStoppingGate
{
    /// <summary>True when rules other than the maximum length and bank exhaustion may end the test now.</summary>
    bool AllowsStop(in StoppingContext context);
}

/// <summary>
/// A composition of stopping rules: the first rule that is met ends the test, except that no rule but bank exhaustion
/// and the maximum length may end it before <see cref="MinItems"/> items, or while the <see cref="Gate"/> holds it open.
/// </summary>
public sealed class StoppingPolicy
{
    private static readonly BankExhaustedRule Exhausted = new();
    private readonly IStoppingRule[] _rules;

    /// <summary>Creates the policy; bank exhaustion is always part of it.</summary>
    public StoppingPolicy(int minItems, params IEnumerable<IStoppingRule> rules)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minItems);
        ArgumentNullException.ThrowIfNull(rules);
        _rules = rules.ToArray();
        if (_rules.Any(r => r is null)) throw new ArgumentException("A stopping rule is null.", nameof(rules));
        var maxItems = _rules.OfType<MaxItemsRule>().Select(r => r.Count).DefaultIfEmpty(int.MaxValue).Min();
        if (minItems > maxItems) throw new ArgumentOutOfRangeException(nameof(minItems), minItems, $"The minimum test length {minItems} exceeds the maximum {maxItems}.");
        MinItems = minItems;
        ClassifyingRule = _rules.OfType<IClassifyingRule>().FirstOrDefault();
    }

    /// <summary>The first rule that classifies examinees against cut scores, if any: its classification is reported.</summary>
    public IClassifyingRule? ClassifyingRule { get; }

    /// <summary>Items to give before precision or classification rules may end the test.</summary>
    public int MinItems { get; }

    /// <summary>A further condition before rules other than the maximum length may end the test; null for none.</summary>
    public IStoppingGate? Gate { get; init; }

    /// <summary>The rules, in the order they are checked.</summary>
    public IReadOnlyList<IStoppingRule> Rules => _rules;

    /// <summary>The maximum test length, when a <see cref="MaxItemsRule"/> is part of the policy.</summary>
    public int? MaxItems => _rules.OfType<MaxItemsRule>().Select(r => (int?)r.Count).Min();

    /// <summary>Checks the rules after an answer.</summary>
    public StopDecision Evaluate(in StoppingContext context)
    {
        if (Exhausted.IsMet(context)) return new StopDecision(true, Exhausted.Name);
        var belowMinimum = context.ItemsAdministered < MinItems;
        var gateHolds = Gate is not null && !Gate.AllowsStop(context);
        var heldByGate = false;
        foreach (var rule in _rules)
        {
            if (rule is MaxItemsRule or BankExhaustedRule || !(belowMinimum || gateHolds))
            {
                if (rule.IsMet(context)) return new StopDecision(true, rule.Name);
            }
            else if (!belowMinimum && !heldByGate && rule.IsMet(context))
            {
                heldByGate = true;
            }
        }
        if (heldByGate) return StopDecision.Continue with { HeldByGate = true };
        return StopDecision.Continue;
    }
}
