namespace Engine.Models;

/// <summary>An item's response model: the probability of each response category as a function of ability θ.</summary>
/// <remarks>
/// Estimators and selectors only use the members below, never dichotomous formulas of their own, so polytomous
/// models (GRM, GPCM) slot in by implementing this interface.
/// </remarks>
public interface IItemModel
{
    /// <summary>Number of response categories (2 for dichotomous items: 0 = wrong, 1 = right).</summary>
    int CategoryCount { get; }

    /// <summary>log P(response | θ).</summary>
    double LogLikelihood(double theta, int response);

    /// <summary>d/dθ log P(response | θ): this item's term of the likelihood score.</summary>
    double Score(double theta, int response);

    /// <summary>Fisher information at θ: Σ_k P_k′² / P_k.</summary>
    double Information(double theta);

    /// <summary>Warm's bias-correction term at θ: Σ_k P_k′·P_k″ / P_k.</summary>
    double WarmTerm(double theta);
}
