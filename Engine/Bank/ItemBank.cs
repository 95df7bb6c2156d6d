using Engine.Models;

namespace Engine.Bank;

/// <summary>An immutable set of calibrated items, addressed by 0-based index, with an optional topic per item.</summary>
public sealed class ItemBank
{
    private readonly IItemModel[] _items;
    private readonly string[] _topics;
    private readonly int[] _topicIndex;
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
        _logistic = LogisticColumns.TryCreate(_items);
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
        if (_logistic is not null)
        {
            _logistic.FillInformation(theta, destination);
            return;
        }
        for (var i = 0; i < _items.Length; i++) destination[i] = _items[i].Information(theta);
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
