using Engine.Models;

namespace Engine.Bank;

/// <summary>
/// A bank's items in decreasing order of an upper bound of their information over one θ interval (ties by index), and
/// the information of a run of ranks at a θ in that interval: logistic items a vector at a time, other models item by
/// item.
/// </summary>
internal sealed class ItemRanking
{
    private readonly IItemModel[] _items;
    private readonly int[] _order;
    private readonly double[] _bounds;
    private readonly LogisticColumns? _logistic;
    // Ranks whose item is not logistic; null when every item is (the all-dichotomous bank takes the vector path only).
    private readonly bool[]? _notLogistic;

    /// <summary>Ranks <paramref name="items"/> by their information bounds on [<paramref name="lower"/>, <paramref name="upper"/>].</summary>
    public ItemRanking(IItemModel[] items, double lower, double upper)
    {
        _items = items;
        var bounds = items.Select(item => item.InformationBound(lower, upper)).ToArray();
        _order = Enumerable.Range(0, items.Length).OrderByDescending(i => bounds[i]).ThenBy(i => i).ToArray();
        _bounds = _order.Select(i => bounds[i]).ToArray();
        _logistic = LogisticColumns.Create(items, _order);
        if (items.Any(item => item is not LogisticItem)) _notLogistic = _order.Select(i => items[i] is not LogisticItem).ToArray();
    }

    /// <summary>Item indices by decreasing information bound.</summary>
    public ReadOnlySpan<int> Order => _order;

    /// <summary>The information bound of the item at each rank (non-increasing).</summary>
    public ReadOnlySpan<double> Bounds => _bounds;

    /// <summary>Information at θ (within the interval of the bounds) of the items at ranks start, start + 1, … into <paramref name="destination"/>.</summary>
    public void FillInformation(double theta, int start, Span<double> destination)
    {
        _logistic?.FillInformation(theta, start, destination);
        if (_notLogistic is null) return;
        for (var j = 0; j < destination.Length; j++)
        {
            if (_notLogistic[start + j]) destination[j] = _items[_order[start + j]].Information(theta);
        }
    }
}
