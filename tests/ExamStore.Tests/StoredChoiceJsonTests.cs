using System.Text.Json;
using ExamStore.Sessions;

namespace ExamStore.Tests;

/// <summary>The stored item choices: generated serialization writes exactly the text reflection wrote.</summary>
public sealed class StoredChoiceJsonTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public void TheTextIsTheWebOptionsText()
    {
        Assert.Equal(
            """{"itemId":12,"theta":0.5,"information":1.25,"rule":"maximum_information","topic":null,"runnersUp":[{"itemId":3,"information":0.1}]}""",
            JsonSerializer.Serialize(new ItemChoice(12, 0.5, 1.25, "maximum_information", null, [new(3, 0.1)]), StoredChoiceJson.Default.ItemChoice));

        var random = new Random(1);
        for (var k = 0; k < 2_000; k++)
        {
            var choice = new ItemChoice(random.NextInt64(), Number(random), Number(random), k % 3 == 0 ? "maximum_information" : "randomesque \"<é>\"",
                k % 4 == 0 ? null : "topic \u2028/é", Enumerable.Range(0, k % 6).Select(_ => new ItemChoiceCandidate(random.NextInt64(), Number(random))).ToArray());
            Assert.Equal(JsonSerializer.Serialize(choice, Web), JsonSerializer.Serialize(choice, StoredChoiceJson.Default.ItemChoice));
        }
    }

    private static double Number(Random random) => random.Next(5) switch
    {
        0 => random.NextDouble(),
        1 => -random.NextDouble() * 1e-300,
        2 => 1.0 / 3,
        3 => random.NextDouble() * 1e17,
        _ => -0.0,
    };
}
