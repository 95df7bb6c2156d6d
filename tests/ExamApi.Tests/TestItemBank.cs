using Engine.Bank;
using Engine.Models;
using Npgsql;

namespace ExamApi.Tests;

/// <summary>One seeded item with everything the tests need to answer it and to recompute θ with the Engine.</summary>
public sealed record TestItem(long Id, string Subject, string Topic, string Content, string[] Options, int AnswerKey, double A, double B, double C);

/// <summary>
/// The test item bank: <see cref="Subjects"/> × <see cref="ItemsPerSubject"/> 3PL items over three topics each, with
/// realistic parameters (a 0.7–2.0, b ~ N(0, 1) clipped to ±3, c 0.05–0.25), four options and a key, from a fixed seed.
/// Option texts are unique marker strings so a test can look for them in Redis.
/// </summary>
public sealed class TestItemBank
{
    public const int ItemsPerSubject = 60;

    public static readonly string[] Subjects = ["test-math", "test-physics"];

    private static readonly Dictionary<string, string[]> Topics = new()
    {
        ["test-math"] = ["algebra", "geometry", "probability"],
        ["test-physics"] = ["mechanics", "optics", "waves"],
    };

    private readonly Dictionary<long, TestItem> byId;

    private TestItemBank(IReadOnlyList<TestItem> items)
    {
        Items = items;
        byId = items.ToDictionary(i => i.Id);
    }

    public static TestItemBank Empty { get; } = new([]);

    public IReadOnlyList<TestItem> Items { get; }

    public TestItem this[long id] => byId[id];

    /// <summary>A subject's items ordered by id, the order of the API's bank snapshot.</summary>
    public IReadOnlyList<TestItem> ItemsOf(string subject) => Items.Where(i => i.Subject == subject).OrderBy(i => i.Id).ToArray();

    /// <summary>The Engine bank the API builds for a subject (same parameters, same order, same scaling).</summary>
    public ItemBank EngineBank(string subject)
    {
        var items = ItemsOf(subject);
        return new ItemBank(items.Select(i => (IItemModel)new LogisticItem(i.A, i.B, i.C)), items.Select(i => i.Topic));
    }

    /// <summary>The bank index (position by id within the subject) of an item.</summary>
    public int IndexOf(string subject, long id) => ItemsOf(subject).Select(i => i.Id).ToList().IndexOf(id);

    /// <summary>Writes the bank to examdb (items and a version row per subject) and returns it with the ids assigned.</summary>
    public static async Task<TestItemBank> SeedAsync(string connectionString)
    {
        var random = new Random(4242);
        var items = new List<TestItem>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        foreach (var subject in Subjects)
        {
            for (var n = 0; n < ItemsPerSubject; n++)
            {
                var topic = Topics[subject][n % 3];
                var marker = $"{subject}#{n}";
                var options = Enumerable.Range(0, 4).Select(k => $"{marker} option {(char)('A' + k)} {random.Next():x8}").ToArray();
                var key = random.Next(4);
                var a = Math.Round(0.7 + 1.3 * random.NextDouble(), 3);
                var b = Math.Round(Math.Clamp(Normal(random), -3, 3), 3);
                var c = Math.Round(0.05 + 0.2 * random.NextDouble(), 3);
                var content = $"Question {marker} ({topic}): which option is right?";
                await using var command = new NpgsqlCommand(
                    "INSERT INTO items (subject, topic, content, options, answer_key, a, b, c) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                    connection, transaction);
                foreach (var value in new object[] { subject, topic, content, options, key, a, b, c })
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = value });
                }

                var id = (long)(await command.ExecuteScalarAsync())!;
                items.Add(new TestItem(id, subject, topic, content, options, key, a, b, c));
            }

            await using var version = new NpgsqlCommand(
                "INSERT INTO item_bank_versions (subject, version) VALUES ($1, 1) ON CONFLICT (subject) DO UPDATE SET version = item_bank_versions.version + 1",
                connection, transaction);
            version.Parameters.Add(new NpgsqlParameter { Value = subject });
            await version.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        return new TestItemBank(items);
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
