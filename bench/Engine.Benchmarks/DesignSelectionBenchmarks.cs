using BenchmarkDotNet.Attributes;
using Engine.Bank;
using Engine.Design;
using Engine.Selection;

namespace Engine.Benchmarks;

/// <summary>
/// The next item as an exam design chooses it (retired items, enemy sets, topic limits and content balancing around
/// the selector) against plain MFI, on a 500-item 3PL bank in 5 topics with 30 items given.
/// </summary>
[MemoryDiagnoser]
public class DesignSelectionBenchmarks
{
    private static readonly string[] Topics = ["algebra", "geometry", "statistics", "number", "functions"];
    private readonly Random _random = new(1);
    private readonly MaximumInformationSelector _mfi = new();
    private ItemBank _bank = null!;
    private int[] _administered = null!;
    private IItemSelector _designed = null!;

    [GlobalSetup]
    public void Setup()
    {
        var generated = BenchmarkBanks.Generated3Pl(500, seed: 20261202);
        _bank = new ItemBank(Enumerable.Range(0, generated.Count).Select(i => generated[i]), Enumerable.Range(0, generated.Count).Select(i => Topics[i % Topics.Length]));
        _administered = BenchmarkBanks.SpreadAdministered(30, 13);
        var ids = Enumerable.Range(0, _bank.Count).Select(i => (long)i).ToArray();
        var design = new TestDesign
        {
            Selection = new SelectionDesign
            {
                Rule = "sympson-hetter",
                ExposureParameters = Enumerable.Range(0, 100).ToDictionary(i => (long)(i * 5), _ => 0.5),
                Blueprint = Topics.Select(topic => new TopicTarget { Topic = topic, Share = 0.2, Min = 4, Max = 12 }).ToArray(),
                EnemySets = Enumerable.Range(0, 20).Select(k => (IReadOnlyList<long>)[k * 7 + 1, k * 7 + 2, k * 7 + 3]).ToArray(),
            },
            Stopping = new StoppingDesign { MaxItems = 40 },
        };
        _designed = DesignCompiler.Compile(design, _bank, ids, neverGiven: Enumerable.Range(0, 25).Select(i => 400 + i).ToArray()).Options.Selector;
    }

    [Benchmark(Baseline = true, Description = "next item, MFI + 3 runners-up (500 items, 30 given)")]
    public int NextItemMfi() => _mfi.Select(_bank, 0.42, _administered, _random)!.Item;

    [Benchmark(Description = "next item by a design: Sympson-Hetter, blueprint (shares, min, max), 20 enemy sets, 25 retired")]
    public int NextItemDesigned() => _designed.Select(_bank, 0.42, _administered, _random)!.Item;
}
