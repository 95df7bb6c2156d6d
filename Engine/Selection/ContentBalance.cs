using Engine.Bank;

namespace Engine.Selection;

/// <summary>
/// Kingsbury-Zara content balancing: the next item comes from the topic whose share of the items given so far lies
/// furthest below its target proportion.
/// </summary>
public sealed class ContentBalance
{
    private readonly IReadOnlyDictionary<string, double> _targets;

    /// <summary>Creates the rule from target proportions per topic (positive; normalised to sum to 1).</summary>
    public ContentBalance(IReadOnlyDictionary<string, double> targetProportions)
    {
        ArgumentNullException.ThrowIfNull(targetProportions);
        if (targetProportions.Count == 0) throw new ArgumentException("Content balancing needs at least one topic.", nameof(targetProportions));
        foreach (var (topic, proportion) in targetProportions)
        {
            if (!double.IsFinite(proportion) || proportion < 0)
                throw new ArgumentOutOfRangeException(nameof(targetProportions), proportion, $"The target proportion of topic '{topic}' must be a finite number >= 0.");
        }
        var total = targetProportions.Values.Sum();
        if (total <= 0) throw new ArgumentException("The target proportions must not all be 0.", nameof(targetProportions));
        _targets = targetProportions.ToDictionary(p => p.Key, p => p.Value / total, StringComparer.Ordinal);
    }

    /// <summary>The normalised target proportion of each topic.</summary>
    public IReadOnlyDictionary<string, double> Targets => _targets;

    /// <summary>
    /// The topic to draw from next (index into <see cref="ItemBank.Topics"/>), or −1 when no targeted topic has an item
    /// left. Shares count the administered items; a topic is skipped once its administered items plus its
    /// <paramref name="unavailablePerTopic"/> (items skipped without being administered) are all of its items. Ties go
    /// to the larger target, then to the first topic in ordinal order.
    /// </summary>
    internal int ChooseTopic(ItemBank bank, ReadOnlySpan<int> administered, ReadOnlySpan<int> unavailablePerTopic)
    {
        Span<int> given = bank.Topics.Count <= 128 ? stackalloc int[bank.Topics.Count] : new int[bank.Topics.Count];
        foreach (var item in administered) given[bank.TopicIndexOf(item)]++;
        var best = -1;
        double bestDeficit = double.NegativeInfinity, bestTarget = 0;
        for (var t = 0; t < bank.Topics.Count; t++)
        {
            if (given[t] + unavailablePerTopic[t] >= bank.ItemCountInTopic(t) || !_targets.TryGetValue(bank.Topics[t], out var target) || target <= 0) continue;
            var share = administered.IsEmpty ? 0 : (double)given[t] / administered.Length;
            var deficit = target - share;
            if (deficit > bestDeficit || (deficit == bestDeficit && target > bestTarget))
            {
                best = t;
                bestDeficit = deficit;
                bestTarget = target;
            }
        }
        return best;
    }
}
