using Engine.Bank;
using Engine.Selection;
using Xunit;

namespace Engine.Tests;

public class SelectionTests
{
    private static ItemBank RandomBank(int n, int seed, string[]? topicNames = null)
    {
        var random = new Random(seed);
        var a = Enumerable.Range(0, n).Select(_ => 0.5 + 2 * random.NextDouble()).ToArray();
        var b = Enumerable.Range(0, n).Select(_ => -3 + 6 * random.NextDouble()).ToArray();
        var c = Enumerable.Range(0, n).Select(_ => 0.25 * random.NextDouble()).ToArray();
        var topics = topicNames is null ? null : Enumerable.Range(0, n).Select(i => topicNames[i % topicNames.Length]).ToArray();
        return ItemBank.FromParameters(a, b, c, topics: topics);
    }

    [Fact]
    public void MaximumInformationPicksTheArgmaxAndReportsRunnersUpInOrder()
    {
        var bank = RandomBank(200, 1);
        int[] administered = [3, 17, 42];
        var selection = new MaximumInformationSelector(runnersUp: 4).Select(bank, 0.35, administered, new Random(1))!;
        var ranked = Enumerable.Range(0, bank.Count).Where(i => !administered.Contains(i))
            .OrderByDescending(i => bank[i].Information(0.35)).ToArray();
        Assert.Equal(ranked[0], selection.Item);
        Assert.Equal(ranked.Skip(1).Take(4), selection.RunnersUp.Select(c => c.Item));
        Assert.Equal(bank[ranked[0]].Information(0.35), selection.Information, 12);
        Assert.Equal("MFI", selection.Rule);
        Assert.Equal(0.35, selection.Theta);
        Assert.Null(selection.Topic);
    }

    [Fact]
    public void ExhaustedBankGivesNoSelection()
    {
        var bank = RandomBank(5, 2);
        Assert.Null(new MaximumInformationSelector().Select(bank, 0, [0, 1, 2, 3, 4], new Random(1)));
        Assert.Equal(4, new MaximumInformationSelector().Select(bank, 0, [0, 1, 2, 3], new Random(1))!.Item);
    }

    [Fact]
    public void RandomesqueIsSeededAndStaysWithinTheTopK()
    {
        var bank = RandomBank(300, 3);
        var selector = new MaximumInformationSelector(ExposureControl.Randomesque(5));
        var topFive = Enumerable.Range(0, bank.Count).OrderByDescending(i => bank[i].Information(-0.5)).Take(5).ToHashSet();
        var run1 = Picks(new Random(99));
        var run2 = Picks(new Random(99));
        Assert.Equal(run1, run2);
        Assert.All(run1, item => Assert.Contains(item, topFive));
        Assert.Equal(5, run1.Distinct().Count());
        Assert.NotEqual(run1, Picks(new Random(100)));
        Assert.StartsWith("randomesque", selector.Select(bank, -0.5, [], new Random(1))!.Rule);

        int[] Picks(Random random) => Enumerable.Range(0, 200).Select(_ => selector.Select(bank, -0.5, [], random)!.Item).ToArray();
    }

    [Fact]
    public void SympsonHetterSkipsItemsByTheirExposureParameters()
    {
        var bank = RandomBank(100, 4);
        var ranked = Enumerable.Range(0, bank.Count).OrderByDescending(i => bank[i].Information(1)).ToArray();
        var parameters = Enumerable.Repeat(1.0, bank.Count).ToArray();
        parameters[ranked[0]] = 0;        // never given
        parameters[ranked[1]] = 0.5;      // given about half the time it is reached
        var selector = new MaximumInformationSelector(ExposureControl.SympsonHetter(parameters));
        var picks = Enumerable.Range(0, 2000).Select(s => selector.Select(bank, 1, [], new Random(s))!.Item).ToArray();
        Assert.DoesNotContain(ranked[0], picks);
        Assert.All(picks, p => Assert.True(p == ranked[1] || p == ranked[2]));
        var share = picks.Count(p => p == ranked[1]) / 2000.0;
        Assert.InRange(share, 0.45, 0.55);
        Assert.Equal(picks, Enumerable.Range(0, 2000).Select(s => selector.Select(bank, 1, [], new Random(s))!.Item).ToArray());
    }

    [Fact]
    public void SympsonHetterRejectsInvalidParameters()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ExposureControl.SympsonHetter([0.5, 1.2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExposureControl.Randomesque(0));
    }

    [Fact]
    public void ContentBalancingDrawsFromTheTopicFurthestBelowTarget()
    {
        var bank = RandomBank(90, 5, ["algebra", "geometry", "statistics"]);
        var balance = new ContentBalance(new Dictionary<string, double> { ["algebra"] = 0.5, ["geometry"] = 0.3, ["statistics"] = 0.2 });
        var selector = new MaximumInformationSelector(content: balance);
        var first = selector.Select(bank, 0, [], new Random(1))!;
        Assert.Equal("algebra", first.Topic);
        Assert.Equal("algebra", bank.TopicOf(first.Item));
        // After one algebra item: algebra 1.0 vs 0.5, geometry 0 vs 0.3, statistics 0 vs 0.2 → geometry.
        var second = selector.Select(bank, 0, [first.Item], new Random(1))!;
        Assert.Equal("geometry", second.Topic);
        var best = Enumerable.Range(0, bank.Count).Where(i => bank.TopicOf(i) == "geometry").MaxBy(i => bank[i].Information(0));
        Assert.Equal(best, second.Item);
    }

    [Fact]
    public void ContentBalancingFallsBackWhenATopicRunsOut()
    {
        var bank = RandomBank(4, 6, ["a", "b"]);
        var selector = new MaximumInformationSelector(content: new ContentBalance(new Dictionary<string, double> { ["a"] = 0.9, ["b"] = 0.1 }));
        // Both "a" items (0 and 2) are used: the remaining "b" items must still be served.
        var next = selector.Select(bank, 0, [0, 2], new Random(1))!;
        Assert.Equal("b", bank.TopicOf(next.Item));
        Assert.Throws<ArgumentException>(() => new ContentBalance(new Dictionary<string, double>()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ContentBalance(new Dictionary<string, double> { ["a"] = -1 }));
    }

    [Fact]
    public void AdministeredIndicesOutsideTheBankAreRejected()
    {
        var bank = RandomBank(10, 7);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaximumInformationSelector().Select(bank, 0, [10], new Random(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaximumInformationSelector().Select(bank, double.NaN, [], new Random(1)));
    }
}
