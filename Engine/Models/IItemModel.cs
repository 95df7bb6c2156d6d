namespace Engine.Models;

/// <summary>An item's response model: the probability of each response category as a function of ability θ.</summary>
/// <remarks>
/// Estimators and selectors only use the members below, never formulas of their own, so dichotomous
/// (<see cref="LogisticItem"/>) and polytomous (<see cref="PolytomousItem"/>) items mix in one bank.
/// </remarks>
public interface IItemModel
{
    /// <summary>Number of response categories, scored 0 to CategoryCount − 1 (2 for dichotomous items: 0 = wrong, 1 = right).</summary>
    int CategoryCount { get; }

    /// <summary>
    /// True for catR's polytomous models (GRM, MGRM, PCM, GPCM, RSM, NRM) whatever their category count: a pattern made
    /// only of such items is solved with catR's polytomous bound rule (see <see cref="Estimation.EstimateOrigin"/>).
    /// </summary>
    bool IsPolytomous => CategoryCount > 2;

    /// <summary>P(response | θ).</summary>
    double Probability(double theta, int response) => Math.Exp(LogLikelihood(theta, response));

    /// <summary>log P(response | θ).</summary>
    double LogLikelihood(double theta, int response);

    /// <summary>d/dθ log P(response | θ): this item's term of the likelihood score.</summary>
    double Score(double theta, int response);

    /// <summary>Fisher information at θ: Σ_k P_k′² / P_k.</summary>
    double Information(double theta);

    /// <summary>Warm's bias-correction term at θ: Σ_k P_k′·P_k″ / P_k.</summary>
    double WarmTerm(double theta);

    /// <summary>
    /// An upper bound of <see cref="Information"/> over θ in [<paramref name="lower"/>, <paramref name="upper"/>] (either
    /// end may be infinite), or +∞ when the model knows none. Item selection skips items whose bound is below the best
    /// information already found, so a bound must never be below the true maximum; a tight one saves work.
    /// </summary>
    double InformationBound(double lower, double upper) => double.PositiveInfinity;
}
