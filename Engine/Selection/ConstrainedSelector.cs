using Engine.Bank;

namespace Engine.Selection;

/// <summary>
/// Maximum information selection under a test's hard constraints, all derived from the items administered so far (so a
/// replayed test makes the same choices): items that are never to be given (retired), the enemies of every item given
/// (enemy sets: items never together in one test), topics at their maximum count, and, once the items left to the
/// maximum length are only enough for the topic minimums still owed, every topic that owes none.
/// </summary>
public sealed class ConstrainedSelector : IItemSelector
{
    private readonly MaximumInformationSelector _inner;
    private readonly int[] _neverGiven;
    private readonly int[]?[] _enemiesOf;
    private readonly TopicLimits? _limits;
    private readonly int _maxItems;
    private readonly bool _owingTopicsOnly;

    /// <summary>Creates the selector.</summary>
    /// <param name="bank">The bank the test runs on (enemy sets and limits are resolved against it).</param>
    /// <param name="inner">Chooses among the items the constraints leave.</param>
    /// <param name="maxItems">The maximum test length, which the topic minimums must fit in.</param>
    /// <param name="neverGiven">Bank indices never to select.</param>
    /// <param name="enemySets">Sets of bank indices of which one test gives at most one item.</param>
    /// <param name="limits">Per-topic minimum and maximum counts, or null.</param>
    /// <param name="owingTopicsOnly">
    /// Draw only from topics that still owe items whenever any does (for the steps a stopping gate holds the test open
    /// for its minimums), not just once the places left are needed for them.
    /// </param>
    public ConstrainedSelector(ItemBank bank, MaximumInformationSelector inner, int maxItems, IEnumerable<int>? neverGiven = null,
        IEnumerable<IReadOnlyCollection<int>>? enemySets = null, TopicLimits? limits = null, bool owingTopicsOnly = false)
    {
        _owingTopicsOnly = owingTopicsOnly;
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItems, 1);
        _inner = inner;
        _maxItems = maxItems;
        _limits = limits;
        _neverGiven = neverGiven?.ToArray() ?? [];
        if (_neverGiven.Any(i => (uint)i >= (uint)bank.Count)) throw new ArgumentOutOfRangeException(nameof(neverGiven), "An item never to give is outside the bank.");
        _enemiesOf = new int[]?[bank.Count];
        foreach (var set in enemySets ?? [])
        {
            if (set.Any(i => (uint)i >= (uint)bank.Count)) throw new ArgumentOutOfRangeException(nameof(enemySets), "An enemy set names an item outside the bank.");
            foreach (var item in set)
            {
                _enemiesOf[item] = [.. _enemiesOf[item] ?? [], .. set.Where(other => other != item)];
            }
        }
    }

    /// <inheritdoc />
    public ItemSelection? Select(ItemBank bank, double theta, ReadOnlySpan<int> administered, Random random)
    {
        ArgumentNullException.ThrowIfNull(bank);
        var unavailable = new List<int>(_neverGiven.Length + 16);
        unavailable.AddRange(_neverGiven);
        foreach (var item in administered)
        {
            if ((uint)item < (uint)_enemiesOf.Length && _enemiesOf[item] is { } enemies) unavailable.AddRange(enemies);
        }
        if (_limits is not null) CloseTopics(bank, administered, unavailable);
        return _inner.Select(bank, theta, administered, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(unavailable), random);
    }

    private void CloseTopics(ItemBank bank, ReadOnlySpan<int> administered, List<int> unavailable)
    {
        var limits = _limits!;
        Span<int> given = stackalloc int[Math.Min(bank.Topics.Count, 256)];
        var owed = limits.Owed(bank, administered, given);
        if (given.Length < bank.Topics.Count)
        {
            given = new int[bank.Topics.Count];
            limits.Owed(bank, administered, given);
        }
        // When the minimums still owed use up every remaining place, only topics that owe items may be drawn from.
        var onlyOwing = owed > 0 && (_owingTopicsOnly || owed >= _maxItems - administered.Length);
        for (var t = 0; t < bank.Topics.Count; t++)
        {
            var full = given[t] >= limits.MaximumOf(t);
            var excluded = onlyOwing && given[t] >= limits.MinimumOf(t);
            if (full || excluded) unavailable.AddRange(limits.ItemsOfTopic[t]);
        }
    }
}
