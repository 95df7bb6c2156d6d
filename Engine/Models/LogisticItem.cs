namespace Engine.Models;

/// <summary>A dichotomous logistic item (1PL to 4PL): P(θ) = c + (d − c) / (1 + exp(−D·a·(θ − b))).</summary>
public sealed class LogisticItem : IItemModel
{
    /// <summary>The scaling constant used unless another is given (catR's convention: the plain logistic metric).</summary>
    public const double DefaultScaling = 1.0;

    // catR replaces probabilities that round to exactly 0 or 1 so that log-likelihoods and information stay finite.
    private const double ProbabilityFloor = 1e-10;

    /// <summary>Creates an item, checking every parameter; <paramref name="id"/> names the item in error messages.</summary>
    public LogisticItem(double a, double b, double c = 0, double d = 1, double scaling = DefaultScaling, string? id = null)
    {
        var name = id is null ? "item" : $"item '{id}'";
        if (double.IsNaN(a) || double.IsInfinity(a) || a <= 0)
            throw new ArgumentOutOfRangeException(nameof(a), a, $"Discrimination a of {name} must be a finite number > 0.");
        if (double.IsNaN(b) || double.IsInfinity(b))
            throw new ArgumentOutOfRangeException(nameof(b), b, $"Difficulty b of {name} must be a finite number.");
        if (double.IsNaN(c) || c < 0 || c >= 1)
            throw new ArgumentOutOfRangeException(nameof(c), c, $"Lower asymptote c of {name} must be in [0, 1).");
        if (double.IsNaN(d) || d <= c || d > 1)
            throw new ArgumentOutOfRangeException(nameof(d), d, $"Upper asymptote d of {name} must be in (c, 1] (c = {c}).");
        if (double.IsNaN(scaling) || double.IsInfinity(scaling) || scaling <= 0)
            throw new ArgumentOutOfRangeException(nameof(scaling), scaling, $"Scaling constant D of {name} must be a finite number > 0.");
        A = a;
        B = b;
        C = c;
        D = d;
        Scaling = scaling;
        Slope = scaling * a;
        MaximumInformation = InformationBound(double.NegativeInfinity, double.PositiveInfinity);
    }

    /// <summary>A Rasch (1PL) item.</summary>
    public static LogisticItem Rasch(double b, double scaling = DefaultScaling, string? id = null) => new(1, b, 0, 1, scaling, id);

    /// <summary>Discrimination a.</summary>
    public double A { get; }

    /// <summary>Difficulty b.</summary>
    public double B { get; }

    /// <summary>Lower asymptote c (guessing).</summary>
    public double C { get; }

    /// <summary>Upper asymptote d (slipping).</summary>
    public double D { get; }

    /// <summary>Scaling constant (1 for the logistic metric, 1.702 to approximate the normal ogive).</summary>
    public double Scaling { get; }

    /// <summary>D·a, the slope of the logit.</summary>
    public double Slope { get; }

    /// <summary>
    /// An upper bound of the information over all θ, tight to about 1e-6: the item can never be more informative, which
    /// lets item selection skip items that cannot win.
    /// </summary>
    public double MaximumInformation { get; }

    /// <inheritdoc />
    public int CategoryCount => 2;

    /// <summary>P(correct | θ).</summary>
    public double Probability(double theta) => Evaluate(theta).P;

    /// <summary>dP/dθ.</summary>
    public double FirstDerivative(double theta) => Evaluate(theta).P1;

    /// <summary>d²P/dθ².</summary>
    public double SecondDerivative(double theta) => Evaluate(theta).P2;

    /// <inheritdoc />
    public double LogLikelihood(double theta, int response)
    {
        var (p, q, _, _) = Terms(theta);
        return CheckResponse(response) == 1 ? Math.Log(p) : Math.Log(q);
    }

    /// <inheritdoc />
    public double Score(double theta, int response)
    {
        var (p, q, p1, _) = Terms(theta);
        return CheckResponse(response) == 1 ? p1 / p : -p1 / q;
    }

    /// <inheritdoc />
    public double Information(double theta)
    {
        var (p, q, p1, _) = Terms(theta);
        return p1 * p1 / (p * q);
    }

    /// <inheritdoc />
    public double WarmTerm(double theta)
    {
        var (p, q, p1, p2) = Terms(theta);
        return p1 * p2 / (p * q);
    }

    /// <summary>P, P′ and P″ at θ (P as catR floors it: 1e-10 where it underflows to 0, 1 − 1e-10 where it rounds to 1).</summary>
    public (double P, double P1, double P2) Evaluate(double theta)
    {
        var (p, _, p1, p2) = Terms(theta);
        return (p == 1 ? 1 - ProbabilityFloor : p, p1, p2);
    }

    // P, Q = 1 − P and the derivatives. Q is computed as (1 − d) + (d − c)·t rather than 1 − P, which cancels: far
    // above b catR's 1 − P, floored at 1e-10, is wrong by orders of magnitude, and the information with it. Both are
    // floored at 1e-10 where they underflow to 0 (as catR floors P), so logarithms and ratios stay finite.
    private (double P, double Q, double P1, double P2) Terms(double theta)
    {
        // s = e/(1+e) and t = 1/(1+e), each from the exponential of a non-positive number, so that a large |D·a·(θ − b)|
        // neither overflows nor turns into NaN; P′ = D·a·(d − c)·s·t and P″ = (D·a)²·(d − c)·s·t·(t − s).
        var x = Slope * (theta - B);
        double s, t;
        if (x >= 0)
        {
            var z = Math.Exp(-x);
            s = 1 / (1 + z);
            t = z / (1 + z);
        }
        else
        {
            var e = Math.Exp(x);
            s = e / (1 + e);
            t = 1 / (1 + e);
        }
        var range = D - C;
        var p = C + range * s;
        var q = 1 - D + range * t;
        if (p == 0) p = ProbabilityFloor;
        if (q == 0) q = ProbabilityFloor;
        var st = s * t;
        var p1 = Slope * range * st;
        var p2 = Slope * Slope * range * st * (t - s);
        return (p, q, p1, p2);
    }

    /// <inheritdoc />
    public double InformationBound(double lower, double upper)
    {
        if (double.IsNaN(lower) || double.IsNaN(upper) || lower > upper)
            throw new ArgumentOutOfRangeException(nameof(upper), $"The interval [{lower}, {upper}] is not valid.");
        if (D == 1)
        {
            // Birnbaum: with no slipping the information is unimodal, peaking at b + ln((1 + √(1 + 8c)) / 2) / (D·a), so
            // its maximum on an interval is at the point of the interval nearest the peak.
            var peak = B + Math.Log((1 + Math.Sqrt(1 + 8 * C)) / 2) / Slope;
            return Information(Math.Clamp(peak, lower, upper)) * (1 + 1e-9);
        }
        // With d < 1 there is no closed form and the curve need not be unimodal: scan the logit x = D·a·(θ − b) every
        // 1/8 (each peak is O(1) wide in x) over the part of the interval within 40 logits of b (beyond, the
        // information is below e^−40 of its peak and decreasing), refining every peak.
        var lo = Math.Max(lower, Math.Min(B - 40 / Slope, upper));
        var hi = Math.Min(upper, Math.Max(B + 40 / Slope, lower));
        return InformationMaximum.Find(this, lo, hi, 0.125 / Slope) * (1 + InformationMaximum.Margin);
    }

    private static int CheckResponse(int response) => response is 0 or 1
        ? response
        : throw new ArgumentOutOfRangeException(nameof(response), response, "A dichotomous response must be 0 or 1.");
}
