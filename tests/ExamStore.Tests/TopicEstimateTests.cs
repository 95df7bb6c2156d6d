using Engine.Estimation;
using ExamStore.Bank;
using ExamStore.Data;
using ExamStore.Sessions;

namespace ExamStore.Tests;

/// <summary>The per-topic estimates and θs of the answer path: bit for bit what grouping by topic into lists gave.</summary>
public sealed class TopicEstimateTests
{
    // Ordinal order differs from culture order here ("B" < "a" < "b" < "é"), and "" is a topic too.
    private static readonly string[] Topics = ["b", "a", "B", "é", "", "algebra", "Algebra", "z"];

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 5)]
    [InlineData(4, 30)]
    [InlineData(5, 60)]
    [InlineData(6, 125)]
    [InlineData(7, 300)]
    public void MatchTheListsPerTopicBitForBit(int seed, int answers)
    {
        var random = new Random(seed);
        var snapshot = Snapshot(random, itemCount: 400);
        var items = Enumerable.Range(0, snapshot.Bank.Count).OrderBy(_ => random.Next()).Take(answers).ToArray();
        var responses = items.Select(_ => random.Next(2)).ToArray();

        var expected = ListsPerTopic(snapshot, items, responses);
        var actual = ExamEngine.TopicEstimates(snapshot, items, responses);

        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (topic, estimate) in expected)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(estimate.Theta), BitConverter.DoubleToInt64Bits(actual[topic].Theta));
            Assert.Equal(BitConverter.DoubleToInt64Bits(estimate.StandardError), BitConverter.DoubleToInt64Bits(actual[topic].StandardError));
            Assert.Equal(estimate.Origin, actual[topic].Origin);
        }

        var proficiency = ExamEngine.TopicProficiency(snapshot, items, responses);
        Assert.Equal(expected.Keys, proficiency.Keys);
        Assert.Equal(expected.Values.Select(e => BitConverter.DoubleToInt64Bits(e.Theta)), proficiency.Values.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(proficiency, ExamEngine.TopicProficiency(actual));
    }

    [Fact]
    public void AResponseOutsideTheItemsCategoriesIsRefusedAsBefore()
    {
        var snapshot = Snapshot(new Random(8), itemCount: 20);
        Assert.Throws<ArgumentOutOfRangeException>(() => ExamEngine.TopicEstimates(snapshot, [0, 1], [1, 2]));
    }

    private static BankSnapshot Snapshot(Random random, int itemCount) => BankSnapshot.Create("mathematics", 1, Enumerable.Range(1, itemCount).Select(id => new ItemEntity
    {
        Id = id,
        Subject = "mathematics",
        Topic = Topics[random.Next(Topics.Length)],
        Content = $"Question {id}",
        Options = ["a", "b", "c", "d"],
        A = 0.5 + 1.5 * random.NextDouble(),
        B = -2.5 + 5 * random.NextDouble(),
        C = 0.25 * random.NextDouble(),
    }));

    // The implementation these estimates replaced, kept as the oracle.
    private static IReadOnlyDictionary<string, AbilityEstimate> ListsPerTopic(BankSnapshot snapshot, int[] items, int[] responses)
    {
        var estimator = new ExpectedAPosterioriEstimator();
        var byTopic = new Dictionary<string, (List<int> Items, List<int> Responses)>(StringComparer.Ordinal);
        for (var k = 0; k < items.Length; k++)
        {
            var topic = snapshot.Bank.TopicOf(items[k]);
            if (!byTopic.TryGetValue(topic, out var lists)) byTopic[topic] = lists = ([], []);
            lists.Items.Add(items[k]);
            lists.Responses.Add(responses[k]);
        }
        return byTopic.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(
            p => p.Key,
            p => estimator.Estimate(snapshot.Bank, p.Value.Items.ToArray(), p.Value.Responses.ToArray()),
            StringComparer.Ordinal);
    }
}
