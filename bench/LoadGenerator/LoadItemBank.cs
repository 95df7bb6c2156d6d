using System.Globalization;
using Engine.Models;

namespace LoadGenerator;

/// <summary>One item as the simulated students know it: its topic, the model that decides their answers and the key.</summary>
internal sealed record BankItem(long Id, string Topic, int AnswerKey, int OptionCount, LogisticItem Model);

/// <summary>
/// The generator's own subject: imported once with seeded, realistic 3PL parameters (a ~ lognormal(0, 0.3) clamped
/// to [0.5, 2.5], b ~ N(0, 1) clamped to ±3, c ~ U(0.05, 0.25)), four options, the topics in turn, then read back
/// through the admin API so the simulated students know every item's topic, parameters and answer key.
/// </summary>
internal sealed class LoadItemBank
{
    private const int PageSize = 500;

    /// <summary>The exam subject's topics.</summary>
    public static readonly IReadOnlyList<string> ExamTopics = ["algebra", "geometry", "statistics", "number sense"];

    private readonly Dictionary<long, BankItem> items;

    private LoadItemBank(Dictionary<long, BankItem> items) => this.items = items;

    public int Count => items.Count;

    /// <summary>The topics of the items, in ordinal order.</summary>
    public IReadOnlyList<string> Topics => [.. items.Values.Select(i => i.Topic).Distinct().Order(StringComparer.Ordinal)];

    public BankItem this[long id] => items[id];

    /// <summary>
    /// Imports <paramref name="size"/> items over <paramref name="topics"/> (default <see cref="ExamTopics"/>) into
    /// <paramref name="subject"/> unless it already has items, then reads them all back.
    /// </summary>
    public static async Task<LoadItemBank> EnsureAsync(ExamApiClient client, string subject, int size, CancellationToken cancellationToken, IReadOnlyList<string>? topics = null)
    {
        var existing = await ReadAsync(client, subject, cancellationToken);
        if (existing.Count > 0) return new LoadItemBank(existing);

        var imported = await client.ImportAsync(Generate(subject, size, topics ?? ExamTopics), cancellationToken);
        if (!imported.Succeeded) throw new InvalidOperationException($"Importing the {subject} items failed: {imported.Status} {imported.ProblemTitle}.");
        var items = await ReadAsync(client, subject, cancellationToken);
        if (items.Count < size) throw new InvalidOperationException($"{subject} has {items.Count} items after importing {size}.");
        return new LoadItemBank(items);
    }

    /// <summary>The items to import, the same for every run.</summary>
    public static ItemInput[] Generate(string subject, int size, IReadOnlyList<string> topics)
    {
        var random = new Random(20_261_122);
        var items = new ItemInput[size];
        for (var n = 0; n < size; n++)
        {
            var topic = topics[n % topics.Count];
            var a = Math.Round(Math.Clamp(Math.Exp(0.3 * Normal(random)), 0.5, 2.5), 3);
            var b = Math.Round(Math.Clamp(Normal(random), -3, 3), 3);
            var c = Math.Round(0.05 + 0.2 * random.NextDouble(), 3);
            var key = random.Next(4);
            var label = n.ToString(CultureInfo.InvariantCulture);
            items[n] = new ItemInput(subject, topic, $"Load item {label} ({topic}): which option is right?",
                ["option A of " + label, "option B of " + label, "option C of " + label, "option D of " + label], key, a, b, c, 1);
        }
        return items;
    }

    /// <summary>A standard normal deviate (Box–Muller).</summary>
    public static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static async Task<Dictionary<long, BankItem>> ReadAsync(ExamApiClient client, string subject, CancellationToken cancellationToken)
    {
        var items = new Dictionary<long, BankItem>();
        for (var page = 1; ; page++)
        {
            var result = await client.ListItemsAsync(subject, page, PageSize, cancellationToken);
            if (!result.Succeeded) throw new InvalidOperationException($"Reading the {subject} items failed: {result.Status} {result.ProblemTitle}.");
            foreach (var item in result.Body!.Items)
            {
                items[item.Id] = new BankItem(item.Id, item.Topic, item.AnswerKey, item.Options.Length, new LogisticItem(item.A, item.B, item.C, item.D));
            }
            if (result.Body.Items.Length < PageSize || items.Count >= result.Body.Total) return items;
        }
    }
}
