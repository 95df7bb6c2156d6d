using System.Runtime.Intrinsics;
using Engine.Models;

namespace Engine.Bank;

/// <summary>The parameters of an all-logistic bank as columns, so information over the whole bank is computed with SIMD.</summary>
internal sealed class LogisticColumns
{
    private readonly double[] _slope;
    private readonly double[] _b;
    private readonly double[] _c;
    private readonly double[] _range;

    private LogisticColumns(LogisticItem[] items)
    {
        _slope = items.Select(i => i.Slope).ToArray();
        _b = items.Select(i => i.B).ToArray();
        _c = items.Select(i => i.C).ToArray();
        _range = items.Select(i => i.D - i.C).ToArray();
    }

    public static LogisticColumns? TryCreate(IItemModel[] items)
    {
        var logistic = new LogisticItem[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            if (items[i] is not LogisticItem item) return null;
            logistic[i] = item;
        }
        return new LogisticColumns(logistic);
    }

    // I = P′² / (P·Q) with P = c + r·s, P′ = k·r·s·t, s = logistic(x), t = 1 − s, x = k·(θ − b).
    public void FillInformation(double theta, Span<double> destination)
    {
        var n = _slope.Length;
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vTheta = Vector256.Create(theta);
            var one = Vector256<double>.One;
            for (; i <= n - Vector256<double>.Count; i += Vector256<double>.Count)
            {
                var k = Vector256.Create(_slope.AsSpan(i));
                var x = k * (vTheta - Vector256.Create(_b.AsSpan(i)));
                // exp of −|x| only: it never overflows, and s, t are recovered on the matching side.
                var z = Vector256.Exp(-Vector256.Abs(x));
                var inv = one / (one + z);
                var positive = Vector256.GreaterThanOrEqual(x, Vector256<double>.Zero);
                var s = Vector256.ConditionalSelect(positive, inv, z * inv);
                var t = Vector256.ConditionalSelect(positive, z * inv, inv);
                var r = Vector256.Create(_range.AsSpan(i));
                var p = Vector256.Create(_c.AsSpan(i)) + r * s;
                var p1 = k * r * s * t;
                (p1 * p1 / (p * (one - p))).CopyTo(destination[i..]);
            }
        }
        for (; i < n; i++)
        {
            var x = _slope[i] * (theta - _b[i]);
            var z = Math.Exp(-Math.Abs(x));
            var inv = 1 / (1 + z);
            double s = x >= 0 ? inv : z * inv, t = x >= 0 ? z * inv : inv;
            var p = _c[i] + _range[i] * s;
            var p1 = _slope[i] * _range[i] * s * t;
            destination[i] = p1 * p1 / (p * (1 - p));
        }
    }
}
