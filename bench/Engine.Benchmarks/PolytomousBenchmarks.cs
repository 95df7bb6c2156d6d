using Engine.Bank;

namespace Engine.Benchmarks;

/// <summary>A CAT step on a generated 500-item GRM bank (3 to 5 categories) after 30 answers of a simulated EAP-driven test.</summary>
public class PolytomousEstimationBenchmarks : CatStepBenchmarks
{
    protected override (ItemBank Bank, int[] Items, int[] Responses) Load() => BenchmarkBanks.GeneratedGrmWithPattern(500, 30, seed: 20261202);
}

/// <summary>
/// MFI next item over a generated 10,000-item mixed bank (3PL, GRM, GPCM and PCM, a quarter each) across θ in [−4, 4],
/// half a unit apart, plus θ = 2.97, where a sweep of [−4, 4] in steps of 0.01 found the walk longest.
/// </summary>
public class PolytomousSelectionBenchmarks : NextItemByThetaBenchmarks
{
    protected override IEnumerable<double> Thetas => [-4.0, -3.5, -3.0, -2.5, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 2.97, 3.0, 3.5, 4.0];

    protected override ItemBank CreateBank() => BenchmarkBanks.GeneratedMixed(10_000, seed: 20261202);
}
