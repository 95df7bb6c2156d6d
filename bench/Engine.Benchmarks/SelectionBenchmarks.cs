using BenchmarkDotNet.Attributes;
using Engine.Bank;
using Engine.Selection;
using Engine.State;

namespace Engine.Benchmarks;

/// <summary>Next-item selection over a 10,000-item 3PL bank, and the exam state's binary form.</summary>
[MemoryDiagnoser]
public class SelectionBenchmarks
{
    private readonly Random _random = new(1);
    private readonly MaximumInformationSelector _mfi = new(runnersUp: 0);
    private readonly MaximumInformationSelector _audited = new(runnersUp: 3);
    private readonly MaximumInformationSelector _randomesque = new(ExposureControl.Randomesque(5), runnersUp: 3);
    private ItemBank _bank = null!;
    private ItemBank _raschBank = null!;
    private int[] _administered = null!;
    private ExamState _state = null!;
    private byte[] _stateBytes = null!;

    [GlobalSetup]
    public void Setup()
    {
        _bank = BenchmarkBanks.Generated3Pl(10_000, seed: 20261122);
        _raschBank = BenchmarkBanks.GeneratedRasch(10_000, seed: 20261122);
        _administered = BenchmarkBanks.SpreadAdministered(30, 331);
        _state = new ExamState(_administered, _administered.Select(i => i % 2).ToArray(), 0.42, 0.31, 4242, finished: false);
        _stateBytes = _state.ToBytes();
    }

    [Benchmark(Description = "next item, MFI (10,000 items, 30 given)")]
    public int NextItem() => _mfi.Select(_bank, 0.42, _administered, _random)!.Item;

    [Benchmark(Description = "next item, MFI + 3 runners-up (10,000 items)")]
    public int NextItemAudited() => _audited.Select(_bank, 0.42, _administered, _random)!.Item;

    [Benchmark(Description = "next item, randomesque(5) (10,000 items)")]
    public int NextItemRandomesque() => _randomesque.Select(_bank, 0.42, _administered, _random)!.Item;

    // The worst case for the bounded walk: every Rasch item has the same maximum information, so none is skipped.
    [Benchmark(Description = "next item, MFI (10,000 Rasch items, worst case)")]
    public int NextItemRasch() => _mfi.Select(_raschBank, 0.42, _administered, _random)!.Item;

    [Benchmark(Description = "exam state to bytes (30 answers)")]
    public int Serialize() => _state.ToBytes().Length;

    [Benchmark(Description = "exam state from bytes (30 answers)")]
    public int Deserialize() => ExamState.FromBytes(_stateBytes).Count;
}

/// <summary>MFI next item over a 10,000-item bank across θ, with 30 items given. Subclasses pick the bank and the θ values.</summary>
[MemoryDiagnoser]
public abstract class NextItemByThetaBenchmarks
{
    private readonly Random _random = new(1);
    private readonly MaximumInformationSelector _mfi = new(runnersUp: 0);
    private ItemBank _bank = null!;
    private int[] _administered = null!;

    /// <summary>The ability the items are ranked at, one of <see cref="Thetas"/>.</summary>
    [ParamsSource(nameof(ThetaValues))]
    public double Theta { get; set; }

    /// <summary>The source BenchmarkDotNet reads <see cref="Theta"/> from; it takes one member of that name, hence not the override itself.</summary>
    public IEnumerable<double> ThetaValues() => Thetas;

    /// <summary>The values of <see cref="Theta"/> to measure.</summary>
    protected abstract IEnumerable<double> Thetas { get; }

    /// <summary>The 10,000-item bank.</summary>
    protected abstract ItemBank CreateBank();

    [GlobalSetup]
    public void Setup()
    {
        _bank = CreateBank();
        _administered = BenchmarkBanks.SpreadAdministered(30, 331);
    }

    [Benchmark(Description = "next item, MFI (10,000 items, 30 given)")]
    public int NextItem() => _mfi.Select(_bank, Theta, _administered, _random)!.Item;
}

/// <summary>MFI next item over the 10,000-item 3PL bank across θ: the bounded walk stops later far from the bank's centre.</summary>
public class SelectionBenchmarksByTheta : NextItemByThetaBenchmarks
{
    protected override IEnumerable<double> Thetas => [-4.0, -2.0, 0.0, 2.0, 4.0];

    protected override ItemBank CreateBank() => BenchmarkBanks.Generated3Pl(10_000, seed: 20261122);
}
