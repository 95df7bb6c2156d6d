using Engine.Bank;

namespace Engine.Estimation;

/// <summary>Estimates ability θ and its standard error from a response pattern.</summary>
public interface IAbilityEstimator
{
    /// <summary>Short method name: ML, BM, EAP or WL.</summary>
    string Name { get; }

    /// <summary>
    /// The estimate for the pattern (<paramref name="items"/>[k] answered with <paramref name="responses"/>[k]). The
    /// result depends only on the pattern, so replaying the same answers always gives bit-identical values.
    /// </summary>
    AbilityEstimate Estimate(ItemBank bank, ReadOnlySpan<int> items, ReadOnlySpan<int> responses);
}
