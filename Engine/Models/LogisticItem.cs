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
        MaximumInformation = FindMaximumInformation();
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
        var p = Evaluate(theta).P;
        return CheckResponse(response) == 1 ? Math.Log(p) : Math.Log(1 - p);
    }

    /// <inheritdoc />
    public double Score(double theta, int response)
    {
        var (p, p1, _) = Evaluate(theta);
        return CheckResponse(response) == 1 ? p1 / p : -p1 / (1 - p);
    }

    /// <inheritdoc />
    public double Information(double theta)
    {
        var (p, p1, _) = Evaluate(theta);
        return p1 * p1 / (p * (1 - p));
    }

    /// <inheritdoc />
    public double WarmTerm(double theta)
    {
        var (p, p1, p2) = Evaluate(theta);
        return p1 * p2 / (p * (1 - p));
    }

    /// <summary>P, P′ and P″ at θ.</summary>
    public (double P, double P1, double P2) Evaluate(double theta)
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
        if (p == 0) p = ProbabilityFloor;
        else if (p == 1) p = 1 - ProbabilityFloor;
        var st = s * t;
        var p1 = Slope * range * st;
        var p2 = Slope * Slope * range * st * (t - s);
        return (p, p1, p2);
    }

    private double FindMaximumInformation()
    {
        if (D == 1)
        {
            // Birnbaum: with no slipping the information peaks at b + ln((1 + √(1 + 8c)) / 2) / (D·a).
            var peak = B + Math.Log((1 + Math.Sqrt(1 + 8 * C)) / 2) / Slope;
            return Information(peak) * (1 + 1e-9);
        }
        // With d < 1 there is no closed form and the curve need not be unimodal: scan the logit x = D·a·(θ − b) finely
        // enough that no peak (each O(1) wide in x) is missed, refine around the best point, and leave a margin.
        const double step = 0.125;
        var bestX = 0.0;
        var best = 0.0;
        for (var x = -40.0; x <= 40.0; x += step)
        {
            var value = Information(B + x / Slope);
            if (value > best)
            {
                best = value;
                bestX = x;
            }
        }
        var refined = new NegatedInformation(this);
        var argMax = Estimation.BrentSolver.Minimize(ref refined, B + (bestX - step) / Slope, B + (bestX + step) / Slope, 1e-12);
        return Math.Max(best, Information(argMax)) * (1 + 1e-6);
    }

    private readonly struct NegatedInformation(LogisticItem item) : Estimation.IScalarFunction
    {
        public double Evaluate(double x) => -item.Information(x);
    }

    private static int CheckResponse(int response) => response is 0 or 1
        ? response
        : throw new ArgumentOutOfRangeException(nameof(response), response, "A dichotomous response must be 0 or 1.");
}
