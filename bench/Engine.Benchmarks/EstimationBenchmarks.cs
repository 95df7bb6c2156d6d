using BenchmarkDotNet.Attributes;
using Engine.Bank;
using Engine.Estimation;
using Engine.Selection;

namespace Engine.Benchmarks;

/// <summary>One CAT step on the 500-item reference bank after 30 answers: estimate, SE and the next item.</summary>
[MemoryDiagnoser]
public class EstimationBenchmarks
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

    [GlobalSetup]
    public void Setup()
    {
        (_bank, _items, _responses) = BenchmarkBanks.Reference3Pl();
        _eap.Estimate(_bank, _items, _responses);
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
    public int NextItem() => _selector.Select(_bank, 0.37, _items, _random)!.Item;
}
