namespace Engine.Estimation;

/// <summary>Where an estimate came from: an interior root, a bound of the range, or no data at all.</summary>
public enum EstimateOrigin
{
    /// <summary>A root of the estimating equation inside the range (or the EAP posterior mean).</summary>
    Root,

    /// <summary>The equation is positive over the whole range (e.g. all answers correct): the upper bound.</summary>
    UpperBound,

    /// <summary>The equation is negative over the whole range (e.g. all answers wrong): the lower bound.</summary>
    LowerBound,

    /// <summary>Same sign at both ends but a crossing inside: the root between the equation's maximum and minimum.</summary>
    InteriorFallback,

    /// <summary>
    /// No responses yet. ML and WL have no likelihood to maximise: θ = 0 moved into the range, SE = +∞ (no information).
    /// BM: the prior mean moved into the range, SE = the prior SD. EAP: the prior's mean and SD on the quadrature grid.
    /// </summary>
    NoResponses,
}

/// <summary>An ability estimate θ̂ with its standard error.</summary>
public readonly record struct AbilityEstimate(double Theta, double StandardError, EstimateOrigin Origin);
