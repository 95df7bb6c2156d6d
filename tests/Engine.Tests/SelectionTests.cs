using Engine.Bank;
using Engine.Models;
using Engine.Selection;
using Xunit;

namespace Engine.Tests;

/// <summary>Item selection: MFI with runners-up, randomesque, Sympson-Hetter, content balancing and invalid input.</summary>
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
    public void SympsonHetterKeepsNoMemoryOfRejectionsWithinATest()
    {
        // Each selection is a fresh lottery: an item rejected at one step of a test can be drawn and given at a later
        // step (the classic procedure would set it aside for the rest of that test).
        var bank = RandomBank(100, 4);
        var ranked = Enumerable.Range(0, bank.Count).OrderByDescending(i => bank[i].Information(1)).ToArray();
        var parameters = Enumerable.Repeat(1.0, bank.Count).ToArray();
        parameters[ranked[0]] = 0.5;
        var selector = new MaximumInformationSelector(ExposureControl.SympsonHetter(parameters));
        int rejected = 0, givenLater = 0;
        for (var seed = 0; seed < 2000; seed++)
        {
            var random = new Random(seed);
            var first = selector.Select(bank, 1, [], random)!;
            if (first.Item == ranked[0]) continue;
            Assert.Equal(ranked[1], first.Item);
            rejected++;
            if (selector.Select(bank, 1, [first.Item], random)!.Item == ranked[0]) givenLater++;
        }
        Assert.InRange(rejected, 900, 1100);
        Assert.InRange(givenLater / (double)rejected, 0.45, 0.55);
    }

    [Fact]
    public void SympsonHetterGivesTheMostInformativeItemWhenTheWholeWalkRejects()
    {
        // The walk looks at the 64 most informative eligible items; when the lottery rejects every one of them the
        // best is given regardless of its parameter, even 0, and the rule says so. Items further down are not tried.
        var bank = RandomBank(100, 8);
        var ranked = Enumerable.Range(0, bank.Count).OrderByDescending(i => bank[i].Information(-0.3)).ToArray();
        var parameters = Enumerable.Repeat(1.0, bank.Count).ToArray();
        foreach (var item in ranked.Take(64)) parameters[item] = 0;
        var selector = new MaximumInformationSelector(ExposureControl.SympsonHetter(parameters));
        for (var seed = 0; seed < 20; seed++)
        {
            var selection = selector.Select(bank, -0.3, [], new Random(seed))!;
            Assert.Equal(ranked[0], selection.Item);
            Assert.Equal("sympson-hetter(all rejected: most informative)", selection.Rule);
        }
        // With one of the 64 left at K = 1 the walk reaches it instead.
        parameters[ranked[63]] = 1;
        var reached = new MaximumInformationSelector(ExposureControl.SympsonHetter(parameters)).Select(bank, -0.3, [], new Random(1))!;
        Assert.Equal((ranked[63], "sympson-hetter"), (reached.Item, reached.Rule));
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

/// <summary>The bounded walk over items ranked by their information bounds finds exactly what brute force finds.</summary>
public class PrunedSelectionTests
{
    public static TheoryData<string> Banks() => ["3pl", "4pl", "rasch", "wrapped", "mixed", "polytomous"];

    private static ItemBank Bank(string kind)
    {
        var random = new Random(kind.Length * 7919);
        var n = 3000;
        var items = new List<IItemModel>();
        for (var i = 0; i < n; i++)
        {
            var a = 0.5 + 2 * random.NextDouble();
            var b = -3 + 6 * random.NextDouble();
            items.Add(kind switch
            {
                "rasch" => LogisticItem.Rasch(b),
                "4pl" => new LogisticItem(a, b, 0.3 * random.NextDouble(), 1 - 0.3 * random.NextDouble()),
                "wrapped" when i % 10 == 0 => new WrappedItem(new LogisticItem(a, b, 0.2)),
                "mixed" or "polytomous" when kind == "polytomous" || i % 3 != 0 => Polytomous(i, a, b, random),
                "mixed" when i % 2 == 0 => new LogisticItem(a, b, 0.3 * random.NextDouble(), 1 - 0.2 * random.NextDouble()),
                _ => new LogisticItem(a, b, 0.25 * random.NextDouble()),
            });
        }
        return new ItemBank(items);
    }

    // Every polytomous model in turn, 2 to 6 categories, around b.
    private static IItemModel Polytomous(int i, double a, double b, Random random)
    {
        var steps = Enumerable.Range(0, 1 + i % 5).Select(_ => b - 1.5 + 3 * random.NextDouble()).ToArray();
        return (i % 5) switch
        {
            0 => new GradedResponseItem(a, steps.Order().Select((x, k) => x + 0.01 * k).ToArray()),
            1 => new PartialCreditItem(a, steps),
            2 => PartialCreditItem.Rasch(steps),
            3 => new NominalResponseItem(steps.Select(_ => 0.3 + 2 * random.NextDouble()).ToArray(), steps),
            _ => PartialCreditItem.RatingScale(b, steps.Select(x => x - b).ToArray()),
        };
    }

    [Theory]
    [MemberData(nameof(Banks))]
    public void PrunedWalkFindsExactlyTheBruteForceRanking(string kind)
    {
        var bank = Bank(kind);
        var selector = new MaximumInformationSelector(ExposureControl.Randomesque(5), runnersUp: 4);
        var random = new Random(3);
        // Random θ, the band edges of the bank's rankings, and θ outside [−4, 4] where the bounds over all θ apply.
        double[] edges = [-30, -4.5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 4.5, 30];
        for (var trial = 0; trial < 200 + edges.Length; trial++)
        {
            var theta = trial < edges.Length ? edges[trial] : -4.5 + 9 * random.NextDouble();
            var administered = Enumerable.Range(0, 25).Select(_ => random.Next(bank.Count)).Distinct().ToArray();
            var expected = Enumerable.Range(0, bank.Count).Where(i => !administered.Contains(i))
                .OrderByDescending(i => bank[i].Information(theta)).ThenBy(i => i).Take(5).ToArray();
            var selection = selector.Select(bank, theta, administered, new Random(trial))!;
            var got = selection.RunnersUp.Select(c => c.Item).Append(selection.Item).Order().ToArray();
            Assert.Equal(expected.Order().ToArray(), got);
        }
    }

    [Theory]
    [InlineData(13)]
    [InlineData(75)]
    [InlineData(203)]
    public void IdenticalItemsTieExactlyWhereverTheyRankAndTheLowestIndexIsPicked(int count)
    {
        // Twins rank next to each other; in banks whose size is not a multiple of the vector width some of them fall in
        // the last, partial vector of the ranking. They must still get bit-identical information, so that an exact
        // tie (catR draws among the tied items) always goes to the lowest index whatever the ranks.
        var random = new Random(count);
        var distinct = Enumerable.Range(0, 5).Select(_ => (A: 0.5 + 2 * random.NextDouble(), B: -2 + 4 * random.NextDouble(), C: 0.2 * random.NextDouble())).ToArray();
        var parameters = Enumerable.Range(0, count).Select(i => distinct[i % distinct.Length]).ToArray();
        var bank = ItemBank.FromParameters(parameters.Select(p => p.A).ToArray(), parameters.Select(p => p.B).ToArray(), parameters.Select(p => p.C).ToArray());
        var selector = new MaximumInformationSelector(runnersUp: 2);
        var information = new double[count];
        for (var trial = 0; trial < 200; trial++)
        {
            var theta = -4 + 8 * random.NextDouble();
            bank.FillInformation(theta, information);
            for (var i = distinct.Length; i < count; i++)
                Assert.True(information[i] == information[i % distinct.Length], $"item {i} at θ = {theta:R}: {information[i]:R} vs its twin's {information[i % distinct.Length]:R}");
            var administered = Enumerable.Range(0, 3).Select(_ => random.Next(count)).Distinct().ToArray();
            // Most informative first, ties by index: the twins of the best item come first, lowest index first.
            var expected = Enumerable.Range(0, count).Where(i => !administered.Contains(i))
                .OrderByDescending(i => bank[i % distinct.Length].Information(theta)).ThenBy(i => i).Take(3).ToArray();
            var selection = selector.Select(bank, theta, administered, new Random(trial))!;
            Assert.Equal(expected, selection.RunnersUp.Select(c => c.Item).Prepend(selection.Item));
        }
    }

    [Theory]
    [InlineData(1.0, 0.0, 0.0, 1.0)]
    [InlineData(2.3, 1.0, 0.25, 1.0)]
    [InlineData(0.6, -2.0, 0.3, 0.7)]
    [InlineData(1.8, 0.5, 0.45, 0.55)]
    public void MaximumInformationBoundsTheCurveEverywhere(double a, double b, double c, double d)
    {
        var item = new LogisticItem(a, b, c, d);
        var peak = Enumerable.Range(0, 200_001).Select(k => item.Information(-50 + k * 0.0005)).Max();
        Assert.True(item.MaximumInformation >= peak, $"bound {item.MaximumInformation:R} < peak {peak:R}");
        Assert.True(item.MaximumInformation <= peak * (1 + 2e-6), $"bound {item.MaximumInformation:R} is loose against {peak:R}");
    }

    // A model outside the logistic family: the bank knows no information bound for it and must always evaluate it.
    private sealed class WrappedItem(LogisticItem inner) : IItemModel
    {
        public int CategoryCount => 2;
        public double LogLikelihood(double theta, int response) => inner.LogLikelihood(theta, response);
        public double Score(double theta, int response) => inner.Score(theta, response);
        public double Information(double theta) => inner.Information(theta);
        public double WarmTerm(double theta) => inner.WarmTerm(theta);
    }
}
