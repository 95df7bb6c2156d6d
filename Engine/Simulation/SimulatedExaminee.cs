using Engine.Models;

namespace Engine.Simulation;

/// <summary>A simulated respondent of known ability who answers each item at random according to its model.</summary>
public sealed class SimulatedExaminee(double trueTheta, Random random)
{
    /// <summary>The true ability.</summary>
    public double TrueTheta { get; } = trueTheta;

    /// <summary>
    /// A response drawn from the item's category probabilities with one uniform U: the highest category k with
    /// U &lt; P_K + … + P_k, else 0. For a dichotomous item this is 1 exactly when U &lt; P(θ) (catR's genPattern
    /// convention for dichotomous items).
    /// </summary>
    public int Respond(IItemModel item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var u = random.NextDouble();
        var cumulative = 0.0;
        for (var category = item.CategoryCount - 1; category > 0; category--)
        {
            cumulative += item.Probability(TrueTheta, category);
            if (u < cumulative) return category;
        }
        return 0;
    }
}
