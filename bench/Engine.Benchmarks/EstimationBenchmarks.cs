using BenchmarkDotNet.Attributes;
using Engine.Bank;
using Engine.Estimation;
using Engine.Selection;

namespace Engine.Benchmarks;

/// <summary>One CAT step on a 500-item bank after 30 answers: estimate, SE and the next item. Subclasses pick the bank.</summary>
[MemoryDiagnoser]
public abstract class CatStepBenchmarks
{
    private readonly Random _random = new(1);
    private readonly MaximumInformationSelector _selector = new(runnersUp: 0);
    private readonly ExpectedAPosterioriEstimator _eap = new();
    private readonly MaximumLikelihoodEstimator _ml = new();
    private readonly BayesModalEstimator _bm = new();
    private readonly WeightedLikelihoodEstimator _wl = new();
    private ItemBank _bank = null!;
    private int[] _items = null!;
    private int[] _responses = null!;
    private double _nextItemTheta;

    /// <summary>The bank and the 30 items and responses answered so far.</summary>
    protected abstract (ItemBank Bank, int[] Items, int[] Responses) Load();

    /// <summary>The θ at which <see cref="NextItem"/> ranks the bank; null for the pattern's EAP estimate.</summary>
    protected virtual double? NextItemTheta => null;

    [GlobalSetup]
    public void Setup()
    {
        (_bank, _items, _responses) = Load();
        // Also fills the bank's quadrature table for the answered items, as a running exam has.
        var estimate = _eap.Estimate(_bank, _items, _responses).Theta;
        _nextItemTheta = NextItemTheta ?? estimate;
    }

    [Benchmark(Baseline = true, Description = "EAP + SE + next item (30 answers, 500 items)")]
    public int EapStep()
    {
        var estimate = _eap.Estimate(_bank, _items, _responses);
        return _selector.Select(_bank, estimate.Theta, _items, _random)!.Item;
    }

    [Benchmark(Description = "EAP + SE (30 answers)")]
    public double Eap() => _eap.Estimate(_bank, _items, _responses).Theta;

    [Benchmark(Description = "ML + SE (30 answers)")]
    public double Ml() => _ml.Estimate(_bank, _items, _responses).Theta;

    [Benchmark(Description = "BM + SE (30 answers)")]
    public double Bm() => _bm.Estimate(_bank, _items, _responses).Theta;

    [Benchmark(Description = "WL + SE (30 answers)")]
    public double Wl() => _wl.Estimate(_bank, _items, _responses).Theta;

    [Benchmark(Description = "next item, MFI (500 items)")]
    public int NextItem() => _selector.Select(_bank, _nextItemTheta, _items, _random)!.Item;
}

/// <summary>A CAT step on the 500-item 3PL reference bank, with its first examinee's 30 answers.</summary>
public class EstimationBenchmarks : CatStepBenchmarks
{
    protected override (ItemBank Bank, int[] Items, int[] Responses) Load() => BenchmarkBanks.Reference3Pl();

    protected override double? NextItemTheta => 0.37;
}
