using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Engine.Models;

namespace Engine.Bank;

/// <summary>
/// The parameters of a bank's logistic items as columns in one rank order (see <see cref="ItemRanking"/>), so
/// information over a run of ranks is computed with SIMD. Ranks held by other models get parameters whose information
/// is 0; <see cref="ItemRanking"/> overwrites them.
/// </summary>
/// <remarks>
/// With z = exp(−|x|), x = D·a·(θ − b), (u, v) = (1, z) when x ≥ 0 and (z, 1) otherwise (so u + v = 1 + z), and
/// r = d − c: P·(1 + z) = c·(1 + z) + r·u = A, Q·(1 + z) = (1 − d)·(1 + z) + r·v = B and P′·(1 + z)² = D·a·r·z, so
/// I = P′² / (P·Q) = (D·a·r·z)² / ((1 + z)²·A·B): one exponential and one division per item. Neither A nor B is a
/// difference, so no θ cancels them to 0; where z underflows to 0 (|x| > ~745) the information is 0.
/// Two vector widths are written out because the runtime has no public width-generic vector interface.
/// </remarks>
internal sealed class LogisticColumns
{
    private readonly double[] _slope;
    private readonly double[] _b;
    private readonly double[] _c;
    private readonly double[] _oneMinusD;
    private readonly double[] _range;

    // Ranks of other models, and a vector's worth of padding after the last rank, hold a placeholder whose slope is 0:
    // the numerator, hence the information, is 0.
    private static readonly LogisticItem Placeholder = new(1, 0);

    private LogisticColumns(LogisticItem?[] itemsInRankOrder)
    {
        var columns = itemsInRankOrder.Concat(new LogisticItem?[Vector512<double>.Count]).Select(item => item ?? Placeholder).ToArray();
        _slope = columns.Select(item => ReferenceEquals(item, Placeholder) ? 0 : item.Slope).ToArray();
        _b = columns.Select(i => i.B).ToArray();
        _c = columns.Select(i => i.C).ToArray();
        _oneMinusD = columns.Select(i => 1 - i.D).ToArray();
        _range = columns.Select(i => i.D - i.C).ToArray();
    }

    /// <summary>Columns for the logistic items of <paramref name="items"/> in <paramref name="rankOrder"/>; null when there are none.</summary>
    public static LogisticColumns? Create(IItemModel[] items, int[] rankOrder)
    {
        var logistic = rankOrder.Select(i => items[i] as LogisticItem).ToArray();
        return logistic.Any(item => item is not null) ? new LogisticColumns(logistic) : null;
    }

    /// <summary>Information at θ of the items at ranks start, start + 1, … into <paramref name="destination"/>.</summary>
    /// <remarks>
    /// Every rank goes through the same code, the last partial vector too (the columns are padded past the last rank),
    /// so that identical items get bit-identical information wherever they rank and exact ties stay exact.
    /// </remarks>
    public void FillInformation(double theta, int start, Span<double> destination)
    {
        var width = Vector512.IsHardwareAccelerated ? Vector512<double>.Count : Vector256.IsHardwareAccelerated ? Vector256<double>.Count : 1;
        var i = 0;
        for (; i + width <= destination.Length; i += width) Write(theta, start + i, destination[i..]);
        if (i == destination.Length) return;
        Span<double> last = stackalloc double[Vector512<double>.Count];
        Write(theta, start + i, last);
        last[..(destination.Length - i)].CopyTo(destination[i..]);
    }

    // The information of the vector (or, without SIMD, the one item) at the rank; the hardware checks are constants
    // to the JIT, so one path remains.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Write(double theta, int rank, Span<double> target)
    {
        if (Vector512.IsHardwareAccelerated) Information512(theta, rank).CopyTo(target);
        else if (Vector256.IsHardwareAccelerated) Information256(theta, rank).CopyTo(target);
        else target[0] = Information(theta, rank);
    }

    private Vector512<double> Information512(double theta, int i)
    {
        var k = Vector512.Create(_slope.AsSpan(i));
        var x = k * (Vector512.Create(theta) - Vector512.Create(_b.AsSpan(i)));
        var z = Vector512.Exp(-Vector512.Abs(x));
        var above = Vector512.GreaterThanOrEqual(x, Vector512<double>.Zero);
        var u = Vector512.ConditionalSelect(above, Vector512<double>.One, z);
        var v = Vector512.ConditionalSelect(above, z, Vector512<double>.One);
        var onePlusZ = Vector512<double>.One + z;
        var r = Vector512.Create(_range.AsSpan(i));
        var a = Vector512.Create(_c.AsSpan(i)) * onePlusZ + r * u;
        var b = Vector512.Create(_oneMinusD.AsSpan(i)) * onePlusZ + r * v;
        var numerator = k * r * z;
        var information = numerator * numerator / (onePlusZ * onePlusZ * a * b);
        return Vector512.ConditionalSelect(Vector512.Equals(z, Vector512<double>.Zero), Vector512<double>.Zero, information);
    }

    private Vector256<double> Information256(double theta, int i)
    {
        var k = Vector256.Create(_slope.AsSpan(i));
        var x = k * (Vector256.Create(theta) - Vector256.Create(_b.AsSpan(i)));
        var z = Vector256.Exp(-Vector256.Abs(x));
        var above = Vector256.GreaterThanOrEqual(x, Vector256<double>.Zero);
        var u = Vector256.ConditionalSelect(above, Vector256<double>.One, z);
        var v = Vector256.ConditionalSelect(above, z, Vector256<double>.One);
        var onePlusZ = Vector256<double>.One + z;
        var r = Vector256.Create(_range.AsSpan(i));
        var a = Vector256.Create(_c.AsSpan(i)) * onePlusZ + r * u;
        var b = Vector256.Create(_oneMinusD.AsSpan(i)) * onePlusZ + r * v;
        var numerator = k * r * z;
        var information = numerator * numerator / (onePlusZ * onePlusZ * a * b);
        return Vector256.ConditionalSelect(Vector256.Equals(z, Vector256<double>.Zero), Vector256<double>.Zero, information);
    }

    private double Information(double theta, int i)
    {
        var x = _slope[i] * (theta - _b[i]);
        var z = Math.Exp(-Math.Abs(x));
        if (z == 0) return 0;
        var (u, v) = x >= 0 ? (1.0, z) : (z, 1.0);
        var onePlusZ = 1 + z;
        var numerator = _slope[i] * _range[i] * z;
        return numerator * numerator / (onePlusZ * onePlusZ * (_c[i] * onePlusZ + _range[i] * u) * (_oneMinusD[i] * onePlusZ + _range[i] * v));
    }
}
