using Engine.Models;

namespace Engine.Tests;

/// <summary>
/// An independent computation to test the engine against: category probabilities written out as the reference README
/// states them, and every derivative taken numerically from them. The only change to the textbook forms: a difference
/// of two cumulative probabilities above ½ is taken between their complements, 1/(1 + e^x), so that probabilities of
/// far categories keep their relative precision at the ends of [−4, 4]. Valid on moderate θ, where nothing overflows.
/// </summary>
public sealed class CatRFormulas
{
    private readonly Func<double, double[]> _probabilities;

    private CatRFormulas(Func<double, double[]> probabilities) => _probabilities = probabilities;

    /// <summary>The formulas for an engine item, read from its public parameters.</summary>
    public static CatRFormulas For(IItemModel item) => item switch
    {
        LogisticItem l => new(theta =>
        {
            // P = c + (d − c)/(1 + e^−x) and Q = 1 − P = (1 − d) + (d − c)/(1 + e^x).
            var x = l.Scaling * l.A * (theta - l.B);
            return [1 - l.D + (l.D - l.C) / (1 + Math.Exp(x)), l.C + (l.D - l.C) / (1 + Math.Exp(-x))];
        }),
        GradedResponseItem g => new(theta =>
        {
            // P*_0 = 1, P*_k = 1/(1 + exp(−D·a·(θ − b_k))), P*_{K+1} = 0; P_k = P*_k − P*_{k+1}, or Q*_{k+1} − Q*_k with
            // Q* = 1 − P* = 1/(1 + exp(D·a·(θ − b))) when both are above ½.
            var x = new[] { double.PositiveInfinity }.Concat(g.Thresholds.Select(b => g.Scaling * g.A * (theta - b))).Append(double.NegativeInfinity).ToArray();
            return Enumerable.Range(0, g.CategoryCount).Select(k => x[k + 1] > 0
                ? 1 / (1 + Math.Exp(x[k + 1])) - 1 / (1 + Math.Exp(x[k]))
                : 1 / (1 + Math.Exp(-x[k])) - 1 / (1 + Math.Exp(-x[k + 1]))).ToArray();
        }),
        PartialCreditItem pc => new(theta =>
        {
            // z_k = Σ_{t ≤ k} D·a·(θ − δ_t), P_k = exp(z_k) / Σ exp(z_h).
            var z = new double[pc.CategoryCount];
            for (var k = 1; k < z.Length; k++) z[k] = z[k - 1] + pc.Scaling * pc.A * (theta - pc.Steps[k - 1]);
            return Normalise(z);
        }),
        NominalResponseItem n => new(theta =>
            Normalise([0, .. n.Slopes.Select((alpha, k) => alpha * theta + n.Intercepts[k])])),
        _ => throw new ArgumentException($"No reference formulas for {item.GetType().Name}.", nameof(item)),
    };

    public double[] Probabilities(double theta) => _probabilities(theta);

    /// <summary>First derivatives of the category probabilities, by central differences.</summary>
    public double[] FirstDerivatives(double theta, double h = 1e-5)
    {
        var (up, down) = (Probabilities(theta + h), Probabilities(theta - h));
        return up.Select((value, k) => (value - down[k]) / (2 * h)).ToArray();
    }

    /// <summary>Second derivatives of the category probabilities, by central differences.</summary>
    public double[] SecondDerivatives(double theta, double h = 1e-4)
    {
        var (up, mid, down) = (Probabilities(theta + h), Probabilities(theta), Probabilities(theta - h));
        return up.Select((value, k) => (value - 2 * mid[k] + down[k]) / (h * h)).ToArray();
    }

    /// <summary>Σ_k P_k′² / P_k.</summary>
    public double Information(double theta)
    {
        var (p, d) = (Probabilities(theta), FirstDerivatives(theta));
        return p.Select((value, k) => d[k] * d[k] / value).Sum();
    }

    /// <summary>Σ_k P_k′·P_k″ / P_k.</summary>
    public double WarmTerm(double theta)
    {
        var (p, d, d2) = (Probabilities(theta), FirstDerivatives(theta), SecondDerivatives(theta));
        return p.Select((value, k) => d[k] * d2[k] / value).Sum();
    }

    private static double[] Normalise(double[] z)
    {
        var e = z.Select(Math.Exp).ToArray();
        var sum = e.Sum();
        return e.Select(value => value / sum).ToArray();
    }
}
