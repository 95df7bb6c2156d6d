using Engine.Bank;
using Engine.Stopping;

namespace Engine.Selection;

/// <summary>A hard content constraint: every test gives at least <see cref="Min"/> and at most <see cref="Max"/> items of the topic.</summary>
/// <param name="Topic">The topic, as the bank names it.</param>
/// <param name="Min">Fewest items of the topic per test.</param>
/// <param name="Max">Most items of the topic per test; null for no limit.</param>
public readonly record struct TopicLimit(string Topic, int Min, int? Max);

/// <summary>
/// Hard per-topic minimum and maximum counts for one bank. As a stopping gate it keeps a test going until every minimum
/// is met (only the maximum length and bank exhaustion may end it sooner); <see cref="ConstrainedSelector"/> closes a
/// topic at its maximum and, once the items left are only enough for the minimums still owed, draws from those topics alone.
/// </summary>
public sealed class TopicLimits : IStoppingGate
{
    private readonly int[] _min;
    private readonly int[] _max;

    /// <summary>Resolves the limits against <paramref name="bank"/>'s topics; a topic the bank does not have is an error.</summary>
    public TopicLimits(ItemBank bank, IEnumerable<TopicLimit> limits)
    {
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(limits);
        _min = new int[bank.Topics.Count];
        _max = Enumerable.Repeat(int.MaxValue, bank.Topics.Count).ToArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var limit in limits)
        {
            var topic = IndexOfTopic(bank, limit.Topic);
            if (topic < 0) throw new ArgumentException($"The bank has no topic '{limit.Topic}'.", nameof(limits));
            if (!seen.Add(limit.Topic)) throw new ArgumentException($"Topic '{limit.Topic}' is limited twice.", nameof(limits));
            if (limit.Min < 0) throw new ArgumentOutOfRangeException(nameof(limits), limit.Min, $"The minimum of topic '{limit.Topic}' must be ≥ 0.");
            if (limit.Max is int max && max < limit.Min)
                throw new ArgumentOutOfRangeException(nameof(limits), max, $"The maximum of topic '{limit.Topic}' is below its minimum {limit.Min}.");
            _min[topic] = limit.Min;
            _max[topic] = limit.Max ?? int.MaxValue;
        }
        ItemsOfTopic = new int[bank.Topics.Count][];
        var lists = Enumerable.Range(0, bank.Topics.Count).Select(_ => new List<int>()).ToArray();
        for (var item = 0; item < bank.Count; item++) lists[bank.TopicIndexOf(item)].Add(item);
        for (var t = 0; t < lists.Length; t++) ItemsOfTopic[t] = lists[t].ToArray();
        TotalMinimum = _min.Sum();
    }

    /// <summary>The sum of the minimums: the fewest items that can meet them all.</summary>
    public int TotalMinimum { get; }

    /// <summary>The bank indices of each topic's items, by topic index.</summary>
    internal int[][] ItemsOfTopic { get; }

    /// <summary>Fewest items of the topic at <paramref name="topicIndex"/> of the bank's topics.</summary>
    public int MinimumOf(int topicIndex) => _min[topicIndex];

    /// <summary>Most items of the topic at <paramref name="topicIndex"/>; <see cref="int.MaxValue"/> when unlimited.</summary>
    public int MaximumOf(int topicIndex) => _max[topicIndex];

    /// <summary>True when every topic's minimum is met by <paramref name="items"/>, given from <paramref name="bank"/>.</summary>
    public bool MinimumsMet(ItemBank bank, ReadOnlySpan<int> items) => Owed(bank, items, stackalloc int[Math.Min(bank.Topics.Count, 256)]) == 0;

    /// <inheritdoc />
    public bool AllowsStop(in StoppingContext context)
    {
        if (TotalMinimum == 0) return true;
        var bank = context.Bank ?? throw new ArgumentException("Topic limits need the bank and the items in the stopping context.", nameof(context));
        return MinimumsMet(bank, context.Items.Span);
    }

    /// <summary>
    /// Counts the items given per topic into <paramref name="given"/> (when it is long enough for every topic) and
    /// returns how many items the unmet minimums still need.
    /// </summary>
    internal int Owed(ItemBank bank, ReadOnlySpan<int> items, Span<int> given)
    {
        if (given.Length < bank.Topics.Count) given = new int[bank.Topics.Count];
        given = given[..bank.Topics.Count];
        given.Clear();
        foreach (var item in items) given[bank.TopicIndexOf(item)]++;
        var owed = 0;
        for (var t = 0; t < given.Length; t++) owed += Math.Max(0, _min[t] - given[t]);
        return owed;
    }

    private static int IndexOfTopic(ItemBank bank, string topic)
    {
        for (var t = 0; t < bank.Topics.Count; t++)
        {
            if (string.Equals(bank.Topics[t], topic, StringComparison.Ordinal)) return t;
        }
        return -1;
    }
}
