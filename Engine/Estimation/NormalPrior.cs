namespace Engine.Estimation;

/// <summary>A normal prior N(mean, sd²) on θ.</summary>
public readonly record struct NormalPrior
{
    /// <summary>Creates a prior; sd must be finite and positive.</summary>
    public NormalPrior(double mean, double standardDeviation)
    {
        if (!double.IsFinite(mean)) throw new ArgumentOutOfRangeException(nameof(mean), mean, "The prior mean must be finite.");
        if (!double.IsFinite(standardDeviation) || standardDeviation <= 0)
            throw new ArgumentOutOfRangeException(nameof(standardDeviation), standardDeviation, "The prior standard deviation must be finite and > 0.");
        Mean = mean;
        StandardDeviation = standardDeviation;
    }

    /// <summary>N(0, 1).</summary>
    public static NormalPrior Standard { get; } = new(0, 1);

    /// <summary>Prior mean.</summary>
    public double Mean { get; }

    /// <summary>Prior standard deviation.</summary>
    public double StandardDeviation { get; }

    /// <summary>1/σ²: the information the prior adds.</summary>
    public double Precision => 1 / (StandardDeviation * StandardDeviation);

    /// <summary>The density at θ.</summary>
    public double Density(double theta) => MathNet.Numerics.Distributions.Normal.PDF(Mean, StandardDeviation, theta);
}
