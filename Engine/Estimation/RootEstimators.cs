using Engine.Bank;

namespace Engine.Estimation;

/// <summary>Maximum likelihood: the root of the likelihood score; SE = 1/√ΣI(θ̂).</summary>
public sealed class MaximumLikelihoodEstimator(AbilityRange? range = null) : IAbilityEstimator
{
    private readonly AbilityRange _range = range ?? AbilityRange.Default;

    /// <inheritdoc />
    public string Name => "ML";

    /// <inheritdoc />
    public AbilityEstimate Estimate(ItemBank bank, ReadOnlySpan<int> items, ReadOnlySpan<int> responses) =>
        RootEstimation.Estimate(bank, items, responses, ScoreKind.MaximumLikelihood, NormalPrior.Standard, _range);
}

/// <summary>Bayes modal (MAP) with a normal prior: the root of S(θ) + (μ − θ)/σ²; SE = 1/√(ΣI(θ̂) + 1/σ²).</summary>
public sealed class BayesModalEstimator(NormalPrior? prior = null, AbilityRange? range = null) : IAbilityEstimator
{
    private readonly NormalPrior _prior = prior ?? NormalPrior.Standard;
    private readonly AbilityRange _range = range ?? AbilityRange.Default;

    /// <inheritdoc />
    public string Name => "BM";

    /// <inheritdoc />
    public AbilityEstimate Estimate(ItemBank bank, ReadOnlySpan<int> items, ReadOnlySpan<int> responses) =>
        RootEstimation.Estimate(bank, items, responses, ScoreKind.BayesModal, _prior, _range);
}

/// <summary>Warm's weighted likelihood: the root of S(θ) + ΣJ / (2·ΣI); SE = 1/√ΣI(θ̂).</summary>
public sealed class WeightedLikelihoodEstimator(AbilityRange? range = null) : IAbilityEstimator
{
    private readonly AbilityRange _range = range ?? AbilityRange.Default;

    /// <inheritdoc />
    public string Name => "WL";

    /// <inheritdoc />
    public AbilityEstimate Estimate(ItemBank bank, ReadOnlySpan<int> items, ReadOnlySpan<int> responses) =>
        RootEstimation.Estimate(bank, items, responses, ScoreKind.WeightedLikelihood, NormalPrior.Standard, _range);
}

internal static class RootEstimation
{
    public static AbilityEstimate Estimate(ItemBank bank, ReadOnlySpan<int> items, ReadOnlySpan<int> responses, ScoreKind kind, NormalPrior prior, AbilityRange range)
    {
        ArgumentNullException.ThrowIfNull(bank);
        bank.ValidatePattern(items, responses);
        if (items.IsEmpty)
        {
            return kind == ScoreKind.BayesModal
                ? new AbilityEstimate(range.Clamp(prior.Mean), prior.StandardDeviation, EstimateOrigin.NoResponses)
                : new AbilityEstimate(range.Clamp(0), double.PositiveInfinity, EstimateOrigin.NoResponses);
        }
        var equation = new ScoreEquation(bank, items, responses, kind, prior);
        var (theta, origin) = equation.Solve(range);
        var information = equation.TestInformation(theta);
        if (kind == ScoreKind.BayesModal) information += prior.Precision;
        return new AbilityEstimate(theta, 1 / Math.Sqrt(information), origin);
    }
}
