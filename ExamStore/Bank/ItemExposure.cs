using Npgsql;

namespace ExamStore.Bank;

/// <summary>One item's exposure: how many ended exams of its subject administered it, and that share of them.</summary>
public sealed record ItemExposureEntry(long ItemId, string Topic, bool Retired, long Administrations, double ExposureRate);

/// <summary>
/// A subject's exposure report. <paramref name="Items"/> are ordered by exposure rate, highest first (then by id), and
/// may be only the first of them (<paramref name="ItemCount"/> says how many the subject has).
/// </summary>
/// <param name="Subject">Subject.</param>
/// <param name="Exams">N: exams of the subject that ended (completed or abandoned).</param>
/// <param name="MeanTestLength">L̄ = Σ n_i / N, items administered per exam (0 before any exam ended).</param>
/// <param name="MaxExposureRate">The highest n_i / N.</param>
/// <param name="MeanPairwiseOverlap">Expected share of items two exams have in common; null until two exams ended.</param>
/// <param name="ItemsNeverAdministered">Items (retired ones included) no ended exam administered.</param>
/// <param name="ItemCount">Items of the subject, retired ones included.</param>
/// <param name="Items">The items' exposure.</param>
public sealed record ExposureReport(
    string Subject, long Exams, double MeanTestLength, double MaxExposureRate, double? MeanPairwiseOverlap,
    int ItemsNeverAdministered, int ItemCount, IReadOnlyList<ItemExposureEntry> Items);

/// <summary>
/// Reads the item exposure counts that ending exams keep in Postgres (<c>item_exposure</c>, <c>subject_exposure</c>; see
/// <see cref="Sessions.ExposureCounts"/>) and turns them into exposure rates and test overlap.
/// </summary>
public sealed class ItemExposure(NpgsqlDataSource dataSource)
{
    // One statement, so the items' counts and the subject's exam count come from the same snapshot (an exam ending
    // meanwhile is either in both or in neither).
    private const string ReportSql = """
        SELECT i.id, i.topic, i.status = 'retired', coalesce(e.administrations, 0), coalesce(x.exams, 0), coalesce(x.items_administered, 0)
        FROM items i
        LEFT JOIN item_exposure e ON e.item_id = i.id
        LEFT JOIN subject_exposure x ON x.subject = i.subject
        WHERE i.subject = $1
        """;

    private const string MaxRatesSql = """
        SELECT x.subject, x.exams, coalesce(max(e.administrations), 0)
        FROM subject_exposure x LEFT JOIN item_exposure e ON e.subject = x.subject
        GROUP BY x.subject, x.exams
        """;

    /// <summary>The subject's exposure report with its <paramref name="top"/> most exposed items (all when null); null when the subject has no items.</summary>
    public async Task<ExposureReport?> ReportAsync(string subject, int? top, CancellationToken cancellationToken)
    {
        var items = new List<(long Id, string Topic, bool Retired, long Administrations)>();
        long exams = 0, administered = 0;
        await using (var command = dataSource.CreateCommand(ReportSql))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subject });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add((reader.GetInt64(0), reader.GetString(1), reader.GetBoolean(2), reader.GetInt64(3)));
                (exams, administered) = (reader.GetInt64(4), reader.GetInt64(5));
            }
        }
        if (items.Count == 0) return null;

        var entries = items
            .Select(i => new ItemExposureEntry(i.Id, i.Topic, i.Retired, i.Administrations, exams == 0 ? 0 : (double)i.Administrations / exams))
            .OrderByDescending(e => e.Administrations).ThenBy(e => e.ItemId)
            .ToArray();
        return new ExposureReport(
            subject, exams,
            exams == 0 ? 0 : (double)administered / exams,
            entries[0].ExposureRate,
            MeanPairwiseOverlap(items.Select(i => i.Administrations), exams),
            entries.Count(e => e.Administrations == 0),
            entries.Length,
            top is { } count ? entries.Take(count).ToArray() : entries);
    }

    /// <summary>
    /// The mean pairwise test overlap (Chen, Ankenmann &amp; Spray 2003) from the items' administration counts n_i over N
    /// exams: Σ n_i(n_i − 1) / (N(N − 1)·L̄) with L̄ = Σ n_i / N. Null when fewer than two exams ended.
    /// </summary>
    /// <remarks>
    /// Item i is shared by exactly n_i(n_i − 1) of the N(N − 1) ordered pairs of distinct exams, so Σ n_i(n_i − 1) is the
    /// total over those pairs of the number of items the two exams share, and dividing by N(N − 1) gives the mean number
    /// shared. For a fixed test length L = L̄ the mean proportion shared is that divided by L, which is this formula
    /// exactly; with variable lengths dividing by L̄ is the standard approximation (a pair's own lengths are not kept).
    /// </remarks>
    public static double? MeanPairwiseOverlap(IEnumerable<long> administrations, long exams)
    {
        if (exams < 2) return null;
        double shared = 0, total = 0;
        foreach (var n in administrations)
        {
            shared += (double)n * (n - 1);
            total += n;
        }
        return total == 0 ? 0 : shared / ((double)exams * (exams - 1) * (total / exams));
    }

    /// <summary>Each subject with ended exams and its highest item exposure rate (one query over the counts).</summary>
    public async Task<IReadOnlyList<(string Subject, double MaxExposureRate)>> MaxExposureRatesAsync(CancellationToken cancellationToken = default)
    {
        var rates = new List<(string, double)>();
        await using var command = dataSource.CreateCommand(MaxRatesSql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) rates.Add((reader.GetString(0), (double)reader.GetInt64(2) / reader.GetInt64(1)));
        return rates;
    }
}
