using System.Globalization;
using Engine.Models;

namespace Engine.Bank;

/// <summary>
/// An immutable set of calibrated items of any models (dichotomous and polytomous mixed), addressed by 0-based index,
/// with an optional topic per item.
/// </summary>
/// <remarks>
/// Items are also kept in rank orders: by decreasing upper bound of their information on each unit band of θ over
/// [−4, 4], and over all θ for abilities outside it. Walking the order of θ's band, a selector can stop as soon as the
/// next bound is below the best information found, so choosing from a large bank evaluates a few blocks of items
/// instead of all of them, also at θ far from the bank's centre where the bounds over all θ would be loose.
/// </remarks>
public sealed class ItemBank
{
    private readonly IItemModel[] _items;
    private readonly string[] _topics;
    private readonly int[] _topicIndex;
    private readonly int[] _itemsPerTopic;
    private readonly ItemRanking _everywhere;
    private readonly ItemRanking[] _bands;
    // (item, category) pairs no examinee can give (see PolytomousItem.IsEmptyCategory); null when there are none.
    private readonly HashSet<(int Item, int Category)>? _emptyCategories;
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

        var empty = new HashSet<(int Item, int Category)>();
        for (var i = 0; i < _items.Length; i++)
        {
            if (_items[i] is not PolytomousItem polytomous) continue;
            for (var k = 0; k < polytomous.CategoryCount; k++)
            {
                if (polytomous.IsEmptyCategory(k)) empty.Add((i, k));
            }
        }
        _emptyCategories = empty.Count == 0 ? null : empty;

        // Items whose model knows no bound rank first with an infinite bound, so they are always evaluated.
        _everywhere = new ItemRanking(_items, double.NegativeInfinity, double.PositiveInfinity);
        _bands = new ItemRanking[BandCount];
        for (var band = 0; band < BandCount; band++) _bands[band] = new ItemRanking(_items, BandsFrom + band, BandsFrom + band + 1);
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
            items[i] = new LogisticItem(a[i], b[i], c?[i] ?? 0, d?[i] ?? 1, scaling, i.ToString(CultureInfo.InvariantCulture));
        }
        return new ItemBank(items, topics);
    }

    /// <summary>
    /// Builds a bank of <paramref name="model"/> items from parameter rows as catR lays them out (see
    /// <see cref="PolytomousModel"/>): row i holds item i's parameters, right-padded with null to the widest item, so
    /// items may have different numbers of categories. <paramref name="categoryCounts"/> (K + 1 per item), when given,
    /// must agree with the rows. Every error names the item (its 0-based index) and the parameter.
    /// </summary>
    public static ItemBank FromParameterRows(
        PolytomousModel model,
        IReadOnlyList<IReadOnlyList<double?>> rows,
        IReadOnlyList<int>? categoryCounts = null,
        double scaling = LogisticItem.DefaultScaling,
        IEnumerable<string>? topics = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (categoryCounts is not null && categoryCounts.Count != rows.Count)
            throw new ArgumentException($"There are {rows.Count} parameter rows but {categoryCounts.Count} category counts.", nameof(categoryCounts));
        var items = new IItemModel[rows.Count];
        for (var i = 0; i < items.Length; i++)
        {
            var row = rows[i] ?? throw new ArgumentException($"The parameter row of item {i} is null.", nameof(rows));
            var parameters = row.TakeWhile(value => value is not null).Select(value => value!.Value).ToArray();
            var categories = PolytomousItem.CategoryCountFor(model, parameters.Length);
            for (var k = parameters.Length; k < row.Count; k++)
            {
                if (row[k] is not null)
                {
                    throw new ArgumentException(
                        $"Item {i}'s row has a null at parameter {parameters.Length + 1} ({PolytomousItem.ParameterName(model, parameters.Length)}) but a value at parameter {k + 1}: null only pads the end of a row.",
                        nameof(rows));
                }
            }
            if (categoryCounts is not null && categoryCounts[i] < 2)
                throw new ArgumentOutOfRangeException(nameof(categoryCounts), categoryCounts[i], $"Item {i} has {categoryCounts[i]} response categories; an item needs at least 2.");
            if (categoryCounts is not null && categoryCounts[i] != categories)
            {
                throw new ArgumentException(
                    $"Item {i} has {categoryCounts[i]} categories but {parameters.Length} parameters; a {model} item with {categoryCounts[i]} categories has {PolytomousItem.ParameterCountFor(model, categoryCounts[i])} ({PolytomousItem.ParameterNames(model, categoryCounts[i])}).",
                    nameof(categoryCounts));
            }
            items[i] = PolytomousItem.Create(model, parameters, scaling, i.ToString(CultureInfo.InvariantCulture));
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
        var order = _everywhere.Order;
        for (var start = 0; start < _items.Length; start += RankBlock)
        {
            var values = block[..Math.Min(RankBlock, _items.Length - start)];
            _everywhere.FillInformation(theta, start, values);
            for (var j = 0; j < values.Length; j++) destination[order[start + j]] = values[j];
        }
    }

    /// <summary>How many ranks a selector evaluates at a time.</summary>
    internal const int RankBlock = 64;

    // Unit bands of θ over [−4, 4], catR's default range, where estimates (and so selections) almost always are.
    private const int BandsFrom = -4;
    private const int BandCount = 8;

    /// <summary>The rank order whose bounds hold at θ: its unit band within [−4, 4] (θ = 4 in the last), else the one over all θ.</summary>
    internal ItemRanking RankingAt(double theta)
    {
        if (!(theta >= BandsFrom && theta <= BandsFrom + BandCount)) return _everywhere;
        return _bands[Math.Min((int)(theta - BandsFrom), BandCount - 1)];
    }

    /// <summary>Number of items in the topic at <paramref name="topicIndex"/> of <see cref="Topics"/>.</summary>
    internal int ItemCountInTopic(int topicIndex) => _itemsPerTopic[topicIndex];

    /// <summary>Checks that every index is in the bank and every response is a category of its item, and not an empty one.</summary>
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
            if (_emptyCategories is not null && _emptyCategories.Contains((index, response)))
                throw new ArgumentOutOfRangeException(nameof(responses), response, $"Response {response} to item {index} (position {k}) is an empty category of the item (equal thresholds: probability 0 at every θ).");
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
