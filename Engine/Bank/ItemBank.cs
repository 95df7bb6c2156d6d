using Engine.Models;

namespace Engine.Bank;

/// <summary>An immutable set of calibrated items, addressed by 0-based index, with an optional topic per item.</summary>
/// <remarks>
/// Items are also kept in rank order: by decreasing upper bound of their information over all θ. Walking that order,
/// a selector can stop as soon as the next bound is below the best information found, so choosing from a large bank
/// evaluates a few blocks of items instead of all of them.
/// </remarks>
public sealed class ItemBank
{
    private readonly IItemModel[] _items;
    private readonly string[] _topics;
    private readonly int[] _topicIndex;
    private readonly int[] _itemsPerTopic;
    private readonly int[] _rankOrder;
    private readonly double[] _rankBounds;
    private readonly LogisticColumns? _logistic;
    private readonly Lock _gridLock = new();
    private QuadratureTable? _lastGrid;

    /// <summary>Creates a bank; <paramref name="topics"/> (one per item) enables content balancing.</summary>
    public ItemBank(IEnumerable<IItemModel> items, IEnumerable<string>? topics = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        _items = items.ToArray();
        for (var i = 0; i < _items.Length; i++)
        {
            if (_items[i] is null) throw new ArgumentException($"Item {i} of the bank is null.", nameof(items));
        }
        _topics = topics?.ToArray() ?? new string[_items.Length];
        if (_topics.Length != _items.Length)
            throw new ArgumentException($"The bank has {_items.Length} items but {_topics.Length} topics.", nameof(topics));
        for (var i = 0; i < _topics.Length; i++) _topics[i] ??= string.Empty;
        var distinctTopics = _topics.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        Topics = distinctTopics;
        _topicIndex = _topics.Select(t => Array.BinarySearch(distinctTopics, t, StringComparer.Ordinal)).ToArray();
        _itemsPerTopic = new int[distinctTopics.Length];
        foreach (var topic in _topicIndex) _itemsPerTopic[topic]++;

        // Items without a known bound (models other than the logistic family) rank first with an infinite bound, so
        // they are always evaluated.
        var bounds = _items.Select(item => item is LogisticItem logistic ? logistic.MaximumInformation : double.PositiveInfinity).ToArray();
        _rankOrder = Enumerable.Range(0, _items.Length).OrderByDescending(i => bounds[i]).ThenBy(i => i).ToArray();
        _rankBounds = _rankOrder.Select(i => bounds[i]).ToArray();
        _logistic = LogisticColumns.TryCreate(_items, _rankOrder);
    }

    /// <summary>Builds a bank of logistic items from parameter columns (c defaults to 0 and d to 1 when omitted).</summary>
    public static ItemBank FromParameters(
        IReadOnlyList<double> a,
        IReadOnlyList<double> b,
        IReadOnlyList<double>? c = null,
        IReadOnlyList<double>? d = null,
        double scaling = LogisticItem.DefaultScaling,
        IEnumerable<string>? topics = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count) throw new ArgumentException($"a has {a.Count} values but b has {b.Count}.", nameof(b));
        if (c is not null && c.Count != a.Count) throw new ArgumentException($"a has {a.Count} values but c has {c.Count}.", nameof(c));
        if (d is not null && d.Count != a.Count) throw new ArgumentException($"a has {a.Count} values but d has {d.Count}.", nameof(d));
        var items = new IItemModel[a.Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = new LogisticItem(a[i], b[i], c?[i] ?? 0, d?[i] ?? 1, scaling, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return new ItemBank(items, topics);
    }

    /// <summary>Number of items.</summary>
    public int Count => _items.Length;

    /// <summary>The item at a 0-based index.</summary>
    public IItemModel this[int index] => _items[index];

    /// <summary>The distinct topics, in ordinal order.</summary>
    public IReadOnlyList<string> Topics { get; }

    /// <summary>The topic of the item at <paramref name="index"/> (empty when the bank has none).</summary>
    public string TopicOf(int index) => _topics[index];

    /// <summary>The position in <see cref="Topics"/> of the item's topic.</summary>
    public int TopicIndexOf(int index) => _topicIndex[index];

    /// <summary>Writes every item's Fisher information at θ into <paramref name="destination"/> (length ≥ Count).</summary>
    public void FillInformation(double theta, Span<double> destination)
    {
        if (destination.Length < _items.Length)
            throw new ArgumentException($"The destination holds {destination.Length} values; the bank has {_items.Length} items.", nameof(destination));
        Span<double> block = stackalloc double[RankBlock];
        for (var start = 0; start < _items.Length; start += RankBlock)
        {
            var values = block[..Math.Min(RankBlock, _items.Length - start)];
            FillInformationByRank(theta, start, values);
            for (var j = 0; j < values.Length; j++) destination[_rankOrder[start + j]] = values[j];
        }
    }

    /// <summary>How many ranks a selector evaluates at a time.</summary>
    internal const int RankBlock = 64;

    /// <summary>Item indices by decreasing information bound.</summary>
    internal ReadOnlySpan<int> RankOrder => _rankOrder;

    /// <summary>The information bound of the item at each rank (non-increasing).</summary>
    internal ReadOnlySpan<double> RankBounds => _rankBounds;

    /// <summary>Number of items in the topic at <paramref name="topicIndex"/> of <see cref="Topics"/>.</summary>
    internal int ItemCountInTopic(int topicIndex) => _itemsPerTopic[topicIndex];

    /// <summary>Information at θ of the items at ranks start, start + 1, … (as many as <paramref name="destination"/> holds).</summary>
    internal void FillInformationByRank(double theta, int start, Span<double> destination)
    {
        if (_logistic is not null)
        {
            _logistic.FillInformation(theta, start, destination);
            return;
        }
        for (var j = 0; j < destination.Length; j++) destination[j] = _items[_rankOrder[start + j]].Information(theta);
    }

    /// <summary>Checks that every index is in the bank and every response is a category of its item.</summary>
    public void ValidatePattern(ReadOnlySpan<int> items, ReadOnlySpan<int> responses)
    {
        if (items.Length != responses.Length)
            throw new ArgumentException($"The pattern has {items.Length} items but {responses.Length} responses.", nameof(responses));
        for (var k = 0; k < items.Length; k++)
        {
            var index = items[k];
            if ((uint)index >= (uint)_items.Length)
                throw new ArgumentOutOfRangeException(nameof(items), index, $"Item index {index} (position {k}) is outside the bank of {_items.Length} items.");
            var response = responses[k];
            if ((uint)response >= (uint)_items[index].CategoryCount)
                throw new ArgumentOutOfRangeException(nameof(responses), response, $"Response {response} to item {index} (position {k}) is not one of its {_items[index].CategoryCount} categories.");
        }
    }

    /// <summary>log P(category | node) of every item at every node of a quadrature grid, computed once per item and grid.</summary>
    internal QuadratureTable GetQuadratureTable(QuadratureGrid grid)
    {
        var last = Volatile.Read(ref _lastGrid);
        if (last is not null && last.Grid.Equals(grid)) return last;
        lock (_gridLock)
        {
            if (_lastGrid is null || !_lastGrid.Grid.Equals(grid)) Volatile.Write(ref _lastGrid, new QuadratureTable(this, grid));
            return _lastGrid!;
        }
    }
}
