namespace Engine.Models;

/// <summary>
/// The divide-by-total family (catR's PCM, GPCM, RSM and NRM): P_k = exp(z_k) / Σ_h exp(z_h) with logits linear in θ,
/// z_k = v_k·θ + c_k and z_0 = 0.
/// </summary>
/// <remarks>
/// With v̄ = Σ_h P_h·v_h the score of category k is v_k − v̄, the information is the variance of v under P and Warm's
/// term its third central moment: sums of probabilities times bounded numbers, computed after subtracting the largest
/// logit, so nothing overflows or divides by an underflowed probability at any θ. catR's derivative code leaves D out
/// of v_k; here D is part of v_k, which is the same for D = 1 and self-consistent otherwise.
/// </remarks>
public abstract class DivideByTotalItem : PolytomousItem
{
    private readonly double[] _slopes;
    private readonly double[] _intercepts;

    /// <summary>Creates the item from v_0..v_K and c_0..c_K (both with v_0 = c_0 = 0).</summary>
    private protected DivideByTotalItem(double[] slopes, double[] intercepts, string? id)
        : base(slopes.Length, id)
    {
        _slopes = slopes;
        _intercepts = intercepts;
        SlopeRange = slopes.Max() - slopes.Min();
    }

    /// <summary>The spread of the category slopes, max v − min v: how fast the probabilities can change with θ.</summary>
    private protected double SlopeRange { get; }

    // The information is the variance of v, which Popoviciu's inequality bounds by a quarter of its range squared.
    private protected override double BoundEverywhere => SlopeRange * SlopeRange / 4 * (1 + InformationMaximum.Margin);

    // Logits change by up to SlopeRange per unit of θ; an eighth of the width that makes is fine enough.
    private protected override double ScanStep => 0.125 / SlopeRange;

    /// <inheritdoc />
    public override void Evaluate(double theta, Span<double> probabilities, Span<double> firstDerivatives, Span<double> secondDerivatives)
    {
        var p = probabilities[..CategoryCount];
        var (mean, variance) = Moments(theta, p);
        for (var k = 0; k < p.Length; k++)
        {
            var deviation = _slopes[k] - mean;
            firstDerivatives[k] = p[k] * deviation;
            secondDerivatives[k] = p[k] * (deviation * deviation - variance);
        }
    }

    /// <inheritdoc />
    public override double LogLikelihood(double theta, int response)
    {
        var k = CheckResponse(response);
        var largest = double.NegativeInfinity;
        for (var h = 0; h < CategoryCount; h++) largest = Math.Max(largest, Logit(theta, h));
        var sum = 0.0;
        for (var h = 0; h < CategoryCount; h++) sum += Math.Exp(Logit(theta, h) - largest);
        return Logit(theta, k) - largest - Math.Log(sum);
    }

    /// <inheritdoc />
    public override double Score(double theta, int response)
    {
        var k = CheckResponse(response);
        Span<double> p = stackalloc double[CategoryCount];
        return _slopes[k] - Moments(theta, p).Mean;
    }

    /// <inheritdoc />
    public override double Information(double theta)
    {
        Span<double> p = stackalloc double[CategoryCount];
        return Moments(theta, p).Variance;
    }

    /// <inheritdoc />
    public override double WarmTerm(double theta)
    {
        // Σ_k P_k′·P_k″ / P_k = Σ_k P_k·d_k·(d_k² − Var) with d_k = v_k − v̄, and Σ_k P_k·d_k = 0.
        Span<double> p = stackalloc double[CategoryCount];
        var (mean, variance) = Moments(theta, p);
        var sum = 0.0;
        for (var k = 0; k < p.Length; k++)
        {
            var deviation = _slopes[k] - mean;
            sum += p[k] * deviation * (deviation * deviation - variance);
        }
        return sum;
    }

    private double Logit(double theta, int k) => _slopes[k] * theta + _intercepts[k];

    // Fills the category probabilities and returns the mean and variance of v under them.
    private (double Mean, double Variance) Moments(double theta, Span<double> p)
    {
        var largest = double.NegativeInfinity;
        for (var k = 0; k < p.Length; k++)
        {
            p[k] = Logit(theta, k);
            largest = Math.Max(largest, p[k]);
        }
        var sum = 0.0;
        for (var k = 0; k < p.Length; k++)
        {
            p[k] = Math.Exp(p[k] - largest);
            sum += p[k];
        }
        var mean = 0.0;
        for (var k = 0; k < p.Length; k++)
        {
            p[k] /= sum;
            mean += p[k] * _slopes[k];
        }
        var variance = 0.0;
        for (var k = 0; k < p.Length; k++)
        {
            var deviation = _slopes[k] - mean;
            variance += p[k] * deviation * deviation;
        }
        return (mean, variance);
    }
}
