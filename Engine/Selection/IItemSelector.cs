using Engine.Bank;

namespace Engine.Selection;

/// <summary>Chooses the next item to administer.</summary>
public interface IItemSelector
{
    /// <summary>
    /// The next item at ability <paramref name="theta"/> among those not in <paramref name="administered"/>, or null when
    /// none is left. <paramref name="random"/> drives any randomisation, so a seeded source makes the choice repeatable.
    /// </summary>
    ItemSelection? Select(ItemBank bank, double theta, ReadOnlySpan<int> administered, Random random);
}
