namespace Engine.Models;

/// <summary>
/// Bock's nominal response item (catR's NRM): z_k = α_k·θ + c_k for k = 1..K and z_0 = 0. As in catR there is no
/// scaling constant, and the categories need not be ordered in θ.
/// </summary>
public sealed class NominalResponseItem : DivideByTotalItem
{
    /// <summary>
    /// Creates an item from the slopes α_1..α_K and intercepts c_1..c_K of categories 1..K (K ≥ 1);
    /// <paramref name="id"/> names the item in error messages.
    /// </summary>
    public NominalResponseItem(IReadOnlyList<double> slopes, IReadOnlyList<double> intercepts, string? id = null)
        : base(WithZero(slopes, "alpha", nameof(slopes), id), WithZero(intercepts, "c", nameof(intercepts), id), id)
    {
        if (slopes.Count != intercepts.Count)
            throw new ArgumentException($"{Name} has {slopes.Count} slopes but {intercepts.Count} intercepts.", nameof(intercepts));
        if (slopes.Count == 0)
            throw new ArgumentException($"{Name} has no category 1 (alpha1, c1), so only 1 response category; a nominal item needs at least 2.", nameof(slopes));
        Slopes = slopes.ToArray();
        Intercepts = intercepts.ToArray();
    }

    /// <summary>α_1..α_K.</summary>
    public IReadOnlyList<double> Slopes { get; }

    /// <summary>c_1..c_K.</summary>
    public IReadOnlyList<double> Intercepts { get; }

    // Where two categories' logits cross depends on differences of slopes that may be tiny, so no finite region is
    // known to hold every peak: intervals with an infinite end get Popoviciu's bound instead of a scan.
    private protected override (double Min, double Max) PeakRegion => (double.NegativeInfinity, double.PositiveInfinity);

    private static double[] WithZero(IReadOnlyList<double> values, string name, string paramName, string? id)
    {
        ArgumentNullException.ThrowIfNull(values, paramName);
        var result = new double[values.Count + 1];
        for (var k = 0; k < values.Count; k++) result[k + 1] = Finite(values[k], $"{name}{k + 1}", id, paramName);
        return result;
    }
}
