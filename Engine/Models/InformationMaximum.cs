using Engine.Estimation;

namespace Engine.Models;

/// <summary>The largest information of an item on a finite θ interval: a fine scan, then Brent's method on every peak.</summary>
internal static class InformationMaximum
{
    /// <summary>
    /// Bounds are this much (relative) above the largest value found, far more than the refinement and rounding can
    /// miss, so a bound is never below the curve.
    /// </summary>
    public const double Margin = 1e-6;

    /// <summary>Above this many samples the interval is too wide to scan and the caller falls back to a coarser bound.</summary>
    public const int MaximumSamples = 1 << 16;

    /// <summary>
    /// The maximum of the item's information on [lower, upper], sampled every <paramref name="step"/> or closer.
    /// <paramref name="step"/> must be a fraction of the narrowest peak's width, so that each peak has a sample at least
    /// as high as its neighbours; each such local maximum is refined on its two neighbouring intervals.
    /// </summary>
    public static double Find(IItemModel item, double lower, double upper, double step)
    {
        if (lower >= upper) return item.Information(lower);
        var intervals = Math.Max(2, (int)Math.Ceiling((upper - lower) / step));
        var values = intervals < 2048 ? stackalloc double[intervals + 1] : new double[intervals + 1];
        var best = 0.0;
        for (var i = 0; i <= intervals; i++)
        {
            values[i] = item.Information(Node(lower, upper, intervals, i));
            best = Math.Max(best, values[i]);
        }
        var negated = new NegatedInformation(item);
        for (var i = 0; i <= intervals; i++)
        {
            var value = values[i];
            if (value <= 0 || (i > 0 && values[i - 1] > value) || (i < intervals && values[i + 1] > value)) continue;
            var left = Node(lower, upper, intervals, Math.Max(i - 1, 0));
            var right = Node(lower, upper, intervals, Math.Min(i + 1, intervals));
            var peak = BrentSolver.Minimize(ref negated, left, right, 1e-12);
            best = Math.Max(best, item.Information(peak));
        }
        return best;
    }

    private static double Node(double lower, double upper, int intervals, int i) =>
        i == intervals ? upper : lower + (upper - lower) * i / intervals;

    private readonly struct NegatedInformation(IItemModel item) : IScalarFunction
    {
        public double Evaluate(double x) => -item.Information(x);
    }
}
