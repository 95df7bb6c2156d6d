using Engine.Bank;

namespace Engine.Simulation;

/// <summary>One simulated examinee's result.</summary>
public sealed record SimulatedTest(int Index, double TrueTheta, double Theta, double StandardError, int Length, string StopRule);

/// <summary>Accuracy, length and exposure over a simulation.</summary>
/// <param name="Tests">Every examinee's result, in input order.</param>
/// <param name="Bias">Mean of θ̂ − θ.</param>
/// <param name="Rmse">Root mean squared error of θ̂.</param>
/// <param name="MeanLength">Mean test length.</param>
/// <param name="MeanStandardError">Mean final standard error.</param>
/// <param name="MaxExposure">Largest share of examinees who saw one item.</param>
/// <param name="MeanExposure">Mean exposure rate over all bank items.</param>
/// <param name="ItemsNeverUsed">Bank items no examinee saw.</param>
/// <param name="Exposure">Exposure rate of every item.</param>
/// <param name="StopRules">How many tests each stopping rule ended.</param>
public sealed record SimulationReport(
    IReadOnlyList<SimulatedTest> Tests,
    double Bias,
    double Rmse,
    double MeanLength,
    double MeanStandardError,
    double MaxExposure,
    double MeanExposure,
    int ItemsNeverUsed,
    IReadOnlyList<double> Exposure,
    IReadOnlyDictionary<string, int> StopRules);

/// <summary>Runs simulated examinees through an adaptive test configuration.</summary>
public static class CatSimulation
{
    /// <summary>
    /// Runs one test per true θ. Each examinee gets its own random streams derived from <paramref name="seed"/> and its
    /// index, so a run is repeatable and examinees can be simulated in parallel.
    /// </summary>
    public static SimulationReport Run(ItemBank bank, AdaptiveTestOptions options, IReadOnlyList<double> trueThetas, int seed, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(trueThetas);
        var test = new AdaptiveTest(bank, options);
        var results = new SimulatedTest[trueThetas.Count];
        var administered = new int[trueThetas.Count][];
        var done = 0;
        Parallel.For(0, trueThetas.Count, index =>
        {
            var selectionRandom = new Random(DeriveSeed(seed, index, 1));
            var examinee = new SimulatedExaminee(trueThetas[index], new Random(DeriveSeed(seed, index, 2)));
            var step = test.Start(selectionRandom);
            while (!step.Stop.Stop)
            {
                step = test.Answer(step.State, examinee.Respond(bank[step.State.CurrentItem!.Value]), selectionRandom);
            }
            var state = step.State;
            results[index] = new SimulatedTest(index, trueThetas[index], state.Theta, state.StandardError, state.Count, step.Stop.Rule!);
            administered[index] = state.Items.ToArray();
            progress?.Report(Interlocked.Increment(ref done));
        });
        return Summarise(bank, results, administered);
    }

    // HashCode is randomised per process, so the streams are derived with SplitMix64, which is the same everywhere.
    internal static int DeriveSeed(int seed, int index, int stream)
    {
        var z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL + ((ulong)(uint)index << 8) + (ulong)stream;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & int.MaxValue);
    }

    private static SimulationReport Summarise(ItemBank bank, SimulatedTest[] results, int[][] administered)
    {
        var n = Math.Max(results.Length, 1);
        var counts = new int[bank.Count];
        foreach (var items in administered)
        {
            foreach (var item in items) counts[item]++;
        }
        var exposure = counts.Select(c => (double)c / n).ToArray();
        return new SimulationReport(
            results,
            results.Select(r => r.Theta - r.TrueTheta).DefaultIfEmpty().Average(),
            Math.Sqrt(results.Select(r => (r.Theta - r.TrueTheta) * (r.Theta - r.TrueTheta)).DefaultIfEmpty().Average()),
            results.Select(r => (double)r.Length).DefaultIfEmpty().Average(),
            results.Select(r => r.StandardError).DefaultIfEmpty().Average(),
            exposure.DefaultIfEmpty().Max(),
            exposure.DefaultIfEmpty().Average(),
            counts.Count(c => c == 0),
            exposure,
            results.GroupBy(r => r.StopRule).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()));
    }
}
