namespace Engine.Selection;

/// <summary>An item with its Fisher information at the θ it was ranked at.</summary>
public readonly record struct Candidate(int Item, double Information);

/// <summary>The chosen item and why: its information, the best alternatives, and the rule that made the choice.</summary>
/// <param name="Item">0-based index of the chosen item.</param>
/// <param name="Information">The chosen item's information at <paramref name="Theta"/>.</param>
/// <param name="Theta">The ability the items were ranked at.</param>
/// <param name="RunnersUp">The next most informative eligible items, best first (for audit).</param>
/// <param name="Rule">How the choice was made, e.g. "MFI", "randomesque(5)", "sympson-hetter".</param>
/// <param name="Topic">The topic content balancing required, or null when it did not apply.</param>
public sealed record ItemSelection(int Item, double Information, double Theta, IReadOnlyList<Candidate> RunnersUp, string Rule, string? Topic)
{
    /// <summary>
    /// The candidates a Sympson-Hetter lottery reached and did not give, best first: each was the best remaining item
    /// when its lottery was drawn ("selected" in Sympson and Hetter's terms, so an item's selections are these plus the
    /// times it is given). Empty for every other rule, and when the first lottery gives its item; filled only then, so
    /// the other rules pay nothing for it. Exposure parameters are calibrated from these counts.
    /// </summary>
    public IReadOnlyList<Candidate> PassedOver { get; init; } = [];
}
