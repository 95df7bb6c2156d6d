using System.Runtime.Intrinsics;
using Engine.Models;

namespace Engine.Bank;

/// <summary>
/// The parameters of an all-logistic bank as columns in rank order (see <see cref="ItemBank"/>), so information over
/// a run of ranks is computed with SIMD.
/// </summary>
/// <remarks>
/// With z = exp(−|x|), x = D·a·(θ − b), u = 1 when x ≥ 0 and u = z otherwise, and r = d − c:
/// P·(1 + z) = c·(1 + z) + r·u = A, Q·(1 + z) = (1 − c)·(1 + z) − r·u = B and P′·(1 + z)² = D·a·r·z, so
/// I = P′² / (P·Q) = (D·a·r·z)² / ((1 + z)²·A·B): one exponential and one division per item, no overflow for any θ.
/// Two vector widths are written out because the runtime has no public width-generic vector interface.
/// </remarks>
internal sealed class LogisticColumns
{
    private readonly double[] _slope;
    private readonly double[] _b;
    private readonly double[] _c;
    private readonly double[] _oneMinusC;
    private readonly double[] _range;

    private LogisticColumns(LogisticItem[] itemsInRankOrder)
    {
        _slope = itemsInRankOrder.Select(i => i.Slope).ToArray();
        _b = itemsInRankOrder.Select(i => i.B).ToArray();
        _c = itemsInRankOrder.Select(i => i.C).ToArray();
        _oneMinusC = itemsInRankOrder.Select(i => 1 - i.C).ToArray();
        _range = itemsInRankOrder.Select(i => i.D - i.C).ToArray();
    }

    public static LogisticColumns? TryCreate(IItemModel[] items, int[] rankOrder)
    {
        var logistic = new LogisticItem[items.Length];
        for (var rank = 0; rank < rankOrder.Length; rank++)
        {
            if (items[rankOrder[rank]] is not LogisticItem item) return null;
            logistic[rank] = item;
        }
        return new LogisticColumns(logistic);
    }

    /// <summary>Information at θ of the items at ranks start, start + 1, … into <paramref name="destination"/>.</summary>
    public void FillInformation(double theta, int start, Span<double> destination)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= destination.Length - Vector512<double>.Count; i += Vector512<double>.Count) Information512(theta, start + i).CopyTo(destination[i..]);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= destination.Length - Vector256<double>.Count; i += Vector256<double>.Count) Information256(theta, start + i).CopyTo(destination[i..]);
        }
        for (; i < destination.Length; i++) destination[i] = Information(theta, start + i);
    }

    private Vector512<double> Information512(double theta, int i)
    {
        var k = Vector512.Create(_slope.AsSpan(i));
        var x = k * (Vector512.Create(theta) - Vector512.Create(_b.AsSpan(i)));
        var z = Vector512.Exp(-Vector512.Abs(x));
        var u = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<double>.Zero), Vector512<double>.One, z);
        var onePlusZ = Vector512<double>.One + z;
        var r = Vector512.Create(_range.AsSpan(i));
        var ru = r * u;
        var a = Vector512.Create(_c.AsSpan(i)) * onePlusZ + ru;
        var b = Vector512.Create(_oneMinusC.AsSpan(i)) * onePlusZ - ru;
        var numerator = k * r * z;
        return numerator * numerator / (onePlusZ * onePlusZ * a * b);
    }

    private Vector256<double> Information256(double theta, int i)
    {
        var k = Vector256.Create(_slope.AsSpan(i));
        var x = k * (Vector256.Create(theta) - Vector256.Create(_b.AsSpan(i)));
        var z = Vector256.Exp(-Vector256.Abs(x));
        var u = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<double>.Zero), Vector256<double>.One, z);
        var onePlusZ = Vector256<double>.One + z;
        var r = Vector256.Create(_range.AsSpan(i));
        var ru = r * u;
        var a = Vector256.Create(_c.AsSpan(i)) * onePlusZ + ru;
        var b = Vector256.Create(_oneMinusC.AsSpan(i)) * onePlusZ - ru;
        var numerator = k * r * z;
        return numerator * numerator / (onePlusZ * onePlusZ * a * b);
    }

    private double Information(double theta, int i)
    {
        var x = _slope[i] * (theta - _b[i]);
        var z = Math.Exp(-Math.Abs(x));
        var ru = _range[i] * (x >= 0 ? 1 : z);
        var onePlusZ = 1 + z;
        var numerator = _slope[i] * _range[i] * z;
        return numerator * numerator / (onePlusZ * onePlusZ * (_c[i] * onePlusZ + ru) * (_oneMinusC[i] * onePlusZ - ru));
    }
}
