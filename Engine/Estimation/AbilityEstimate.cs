namespace Engine.Estimation;

/// <summary>Where an estimate came from: an interior root, a bound of the range, or no data at all.</summary>
public enum EstimateOrigin
{
    /// <summary>A root of the estimating equation inside the range (or the EAP posterior mean).</summary>
    Root,

    /// <summary>
    /// The upper bound: the equation is positive over the whole range (e.g. all answers correct or in the highest
    /// category). For a pattern of polytomous items only, catR's rule: positive at both ends of the range.
    /// </summary>
    UpperBound,

    /// <summary>
    /// The lower bound: the equation is negative over the whole range (e.g. all answers wrong or in the lowest
    /// category). For a pattern of polytomous items only, catR's rule: negative at both ends of the range.
    /// </summary>
    LowerBound,

    /// <summary>
    /// Same sign at both ends but a crossing inside (dichotomous and mixed patterns): the root between the equation's
    /// maximum and minimum.
    /// </summary>
    InteriorFallback,

    /// <summary>
    /// No responses yet. ML and WL have no likelihood to maximise: θ = 0 moved into the range, SE = +∞ (no information).
    /// BM: the prior mean moved into the range, SE = the prior SD. EAP: the prior's mean and SD on the quadrature grid.
    /// </summary>
    NoResponses,
}

/// <summary>An ability estimate θ̂ with its standard error.</summary>
public readonly record struct AbilityEstimate(double Theta, double StandardError, EstimateOrigin Origin);
