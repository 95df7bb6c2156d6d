using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using Engine.Bank;

namespace Engine.Estimation;

/// <summary>
/// Expected a posteriori: the posterior mean of θ on an equally spaced grid by the trapezoidal rule (catR's eapEst),
/// with the posterior standard deviation on the same nodes as its standard error.
/// </summary>
public sealed class ExpectedAPosterioriEstimator : IAbilityEstimator
{
    private readonly QuadratureGrid _grid;
    private readonly double[] _nodes;
    private readonly double[] _priorWeights;

    /// <summary>Creates the estimator; defaults are the reference conventions (61 nodes on [−4, 4], N(0, 1)).</summary>
    public ExpectedAPosterioriEstimator(QuadratureGrid? grid = null, NormalPrior? prior = null)
    {
        _grid = grid ?? QuadratureGrid.Default;
        var normal = prior ?? NormalPrior.Standard;
        _nodes = _grid.Nodes();
        // Prior density times the trapezoid weight (½ at both ends); the node spacing cancels in every ratio.
        _priorWeights = _nodes.Select(normal.Density).ToArray();
        _priorWeights[0] *= 0.5;
        _priorWeights[^1] *= 0.5;
    }

    /// <inheritdoc />
    public string Name => "EAP";

    // The hot loop of EAP: one row of log-likelihoods added per answer, a vector at a time. Each lane adds the same
    // numbers in the same order as a scalar loop would, so the result does not depend on the vector width.
    private static void AddTo(Span<double> sum, ReadOnlySpan<double> row)
    {
        var sumVectors = MemoryMarshal.Cast<double, Vector<double>>(sum);
        var rowVectors = MemoryMarshal.Cast<double, Vector<double>>(row);
        for (var v = 0; v < sumVectors.Length; v++) sumVectors[v] += rowVectors[v];
        for (var q = sumVectors.Length * Vector<double>.Count; q < sum.Length; q++) sum[q] += row[q];
    }

    /// <inheritdoc />
    public AbilityEstimate Estimate(ItemBank bank, ReadOnlySpan<int> items, ReadOnlySpan<int> responses)
    {
        ArgumentNullException.ThrowIfNull(bank);
        bank.ValidatePattern(items, responses);
        var n = _nodes.Length;
        var rented = n > 256 ? ArrayPool<double>.Shared.Rent(n) : null;
        var logLikelihood = rented is null ? stackalloc double[n] : rented.AsSpan(0, n);
        logLikelihood.Clear();
        try
        {
            var table = bank.GetQuadratureTable(_grid);
            for (var k = 0; k < items.Length; k++) AddTo(logLikelihood, table.LogLikelihoods(items[k], responses[k]));

            // Scaling by the largest log-likelihood keeps long tests from underflowing; it cancels in the ratios.
            var peak = double.NegativeInfinity;
            foreach (var value in logLikelihood) peak = Math.Max(peak, value);
            double mass = 0, first = 0;
            for (var q = 0; q < n; q++)
            {
                var weight = _priorWeights[q] * Math.Exp(logLikelihood[q] - peak);
                logLikelihood[q] = weight;
                mass += weight;
                first += weight * _nodes[q];
            }
            var mean = first / mass;
            double second = 0;
            for (var q = 0; q < n; q++)
            {
                var deviation = _nodes[q] - mean;
                second += logLikelihood[q] * deviation * deviation;
            }
            var origin = items.IsEmpty ? EstimateOrigin.NoResponses : EstimateOrigin.Root;
            return new AbilityEstimate(mean, Math.Sqrt(second / mass), origin);
        }
        finally
        {
            if (rented is not null) ArrayPool<double>.Shared.Return(rented);
        }
    }
}
