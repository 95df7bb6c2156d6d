using System.Globalization;
using Npgsql;

namespace LoadGenerator.Practice;

/// <summary>A section of a generated session, as the student's record shaped it.</summary>
/// <param name="Name">weak, current or revision.</param>
/// <param name="Topics">Its topics with the reason each is there ("algebra (low-theta)").</param>
/// <param name="Questions">Its questions.</param>
public sealed record SectionShape(string Name, IReadOnlyList<string> Topics, int Questions);

/// <summary>Everything a practice generation benchmark measured; <c>--json</c> writes it as is.</summary>
public sealed record GenerationReport
{
    /// <summary>When the benchmark began (UTC).</summary>
    public required DateTime StartedAt { get; init; }

    /// <summary>The ExamApi base URLs.</summary>
    public required IReadOnlyList<string> BaseUrls { get; init; }

    /// <summary>The options of the run.</summary>
    public required GenerationOptions Options { get; init; }

    /// <summary>Items in the subject.</summary>
    public required int BankItems { get; init; }

    /// <summary>The student's seeded history.</summary>
    public required HistorySummary History { get; init; }

    /// <summary>The sections of the first measured session (every pair has the same student record).</summary>
    public required IReadOnlyList<SectionShape> Sections { get; init; }

    /// <summary>The machine's 1-minute load average when the measured generations began and ended (Linux).</summary>
    public double[]? LoadAverage { get; init; }

    /// <summary>Client-side latency of the generations with every cache layer cleared first (Postgres only).</summary>
    public required LatencySummary Cold { get; init; }

    /// <summary>Client-side latency of the same requests with the cache layers filled.</summary>
    public required LatencySummary Warm { get; init; }

    /// <summary>How much faster warm is than cold at the median: 1 − warm p50 / cold p50.</summary>
    public double FasterAtP50 => Cold.P50Ms > 0 ? 1 - Warm.P50Ms / Cold.P50Ms : 0;

    /// <summary>How much faster warm is than cold at the 99th percentile.</summary>
    public double FasterAtP99 => Cold.P99Ms > 0 ? 1 - Warm.P99Ms / Cold.P99Ms : 0;

    /// <summary>How much faster warm is than cold on average.</summary>
    public double FasterOnAverage => Cold.MeanMs > 0 ? 1 - Warm.MeanMs / Cold.MeanMs : 0;

    /// <summary>Cache lookups of the cold generations per layer (server-side counts, <c>GET /api/cache/stats</c> around each).</summary>
    public required IReadOnlyList<LayerLookups> ColdLookups { get; init; }

    /// <summary>Cache lookups of the warm generations per layer.</summary>
    public required IReadOnlyList<LayerLookups> WarmLookups { get; init; }

    /// <summary>Pairs whose warm and cold sessions were the same (sections, topics with θ bit for bit, items, notes).</summary>
    public required int SameSessions { get; init; }

    /// <summary>Pairs whose sessions differed: the cache changed a result.</summary>
    public required int DifferentSessions { get; init; }

    /// <summary>ExamApi traces the Aspire dashboard held afterwards, for a graph started with it (<c>--dashboard</c>); null without.</summary>
    public int? DashboardExamApiTraces { get; init; }

    /// <summary>
    /// The history verified, every pair the same session, every cold lookup a miss and every warm one a hit, and ExamApi's
    /// traces in the dashboard when it ran.
    /// </summary>
    public bool Passed => History.Passed && DifferentSessions == 0 && ColdLookups.Sum(l => l.Hits) == 0 && WarmLookups.Sum(l => l.Misses) == 0
        && DashboardExamApiTraces is null or > 0;
}

/// <summary>
/// Practice generation latency with the cache warm and cold, for one student with a long history on a large bank:
/// imports the bank, seeds the student's history (<see cref="StudentHistory"/>), then sends the same generation
/// requests (same student, size and seed) in pairs, once right after clearing the student's and the subject's cache
/// entries (<c>POST /api/cache/clear</c>: every layer misses and reads Postgres) and once with the layers filled by the
/// previous generation; the order alternates from pair to pair. Each is timed on the client, one request at a time, and
/// the server's own hit and miss counts are read around it. The sessions a pair generated are deleted afterwards (they
/// have no answers), so every generation reads the same record.
/// </summary>
public sealed class GenerationBenchmark(ExamTarget target, GenerationOptions options)
{
    /// <summary>Seeds, measures and reports; <paramref name="progress"/> hears what it is doing.</summary>
    public async Task<GenerationReport> RunAsync(Action<string> progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(progress);
        options.Validate();
        var startedAt = DateTime.UtcNow;
        var metrics = new LoadMetrics();
        using var client = new ExamApiClient(target, metrics, options.RequestTimeout);
        progress($"item bank: {options.Subject}, {options.BankSize:N0} items over {options.Topics} topics");
        var topics = Enumerable.Range(1, options.Topics).Select(n => string.Create(CultureInfo.InvariantCulture, $"topic-{n:00}")).ToArray();
        var bank = await LoadItemBank.EnsureAsync(client, options.Subject, options.BankSize, cancellationToken, topics);

        await using var connection = new NpgsqlConnection(target.PostgresConnectionString);
        await connection.OpenAsync(cancellationToken);
        var runId = Guid.NewGuid().ToString("N")[..8];
        var studentId = $"loadgen-practice-{runId}";
        var random = new Random(options.Seed);
        var context = new LoadContext(client, bank, new AnswerLedger(), metrics,
            new LoadOptions { Subject = options.Subject, MaxItems = options.ExamLength, Seed = options.Seed, RetryFor = options.RetryFor }, runId);
        progress($"history: {options.Attempts:N0} answers for {studentId}");
        var history = await new StudentHistory(context, target.PostgresConnectionString, connection, options).SeedAsync(studentId, random, progress, cancellationToken);

        var cold = new List<long>();
        var warm = new List<long>();
        var coldLookups = new Dictionary<string, LayerLookups>(StringComparer.Ordinal);
        var warmLookups = new Dictionary<string, LayerLookups>(StringComparer.Ordinal);
        var (same, different) = (0, 0);
        IReadOnlyList<SectionShape>? sections = null;
        double? loadAverageBefore = null;
        var pair = new GenerationPair(client, studentId, options.Subject);
        for (var n = 0; n < options.WarmupGenerations + options.Generations; n++)
        {
            var measured = n >= options.WarmupGenerations;
            if (n == options.WarmupGenerations)
            {
                progress($"measuring {options.Generations} generations warm and cold");
                loadAverageBefore = LoadRun.MachineLoadAverage();
            }
            var request = new PracticeStartRequest(studentId, options.Subject, options.Size, random.NextInt64(PracticeStudent.MaxSeed + 1));
            // The order alternates, so neither condition always follows the other's clear or the pair's deletion.
            TimedGeneration coldResult, warmResult;
            if (n % 2 == 0)
            {
                coldResult = await pair.ColdAsync(request, cancellationToken);
                warmResult = await pair.WarmAsync(request, cancellationToken);
            }
            else
            {
                warmResult = await pair.WarmAsync(request, cancellationToken);
                coldResult = await pair.ColdAsync(request, cancellationToken);
            }
            await DeleteAsync(connection, [coldResult.Session.SessionId, warmResult.Session.SessionId], cancellationToken);
            if (!measured) continue;

            cold.Add(coldResult.Ticks);
            warm.Add(warmResult.Ticks);
            Add(coldLookups, coldResult.Lookups);
            Add(warmLookups, warmResult.Lookups);
            if (Fingerprint(coldResult.Session) == Fingerprint(warmResult.Session)) same++;
            else different++;
            sections ??= [.. coldResult.Session.Sections.Select(s => new SectionShape(s.Name, [.. s.Topics.Select(t => $"{t.Topic} ({t.Reason})")], s.Questions.Length))];
            if ((n - options.WarmupGenerations) % 50 == 49) progress($"measured {n - options.WarmupGenerations + 1} pairs");
        }

        var loadAverageAfter = LoadRun.MachineLoadAverage();
        int? dashboardTraces = null;
        if (target.CountDashboardTraces is { } countDashboardTraces)
        {
            progress("waiting for ExamApi's traces in the dashboard");
            dashboardTraces = await countDashboardTraces(cancellationToken);
        }

        return new GenerationReport
        {
            StartedAt = startedAt,
            BaseUrls = [.. target.BaseUrls.Select(u => u.ToString())],
            Options = options,
            BankItems = bank.Count,
            History = history,
            Sections = sections ?? [],
            LoadAverage = loadAverageBefore is { } before && loadAverageAfter is { } after ? [before, after] : null,
            Cold = LatencySummary.FromTicks([.. cold]),
            Warm = LatencySummary.FromTicks([.. warm]),
            ColdLookups = [.. coldLookups.Values],
            WarmLookups = [.. warmLookups.Values],
            SameSessions = same,
            DifferentSessions = different,
            DashboardExamApiTraces = dashboardTraces,
        };
    }

    private static void Add(Dictionary<string, LayerLookups> totals, IReadOnlyList<LayerLookups> lookups)
    {
        foreach (var layer in lookups)
        {
            totals[layer.Layer] = totals.TryGetValue(layer.Layer, out var total)
                ? new LayerLookups(layer.Layer, total.Hits + layer.Hits, total.Misses + layer.Misses)
                : layer;
        }
    }

    // What must not depend on the cache: sections, their topics with the θ (bit for bit) and reason, items, notes.
    private static string Fingerprint(PracticeStartResponse session) =>
        string.Join(" | ", session.Sections.Select(s => string.Create(CultureInfo.InvariantCulture,
            $"{s.Name}: {string.Join(", ", s.Topics.Select(t => $"{t.Topic}/{t.Reason}/{BitConverter.DoubleToInt64Bits(t.Theta)}"))}: {string.Join(", ", s.Questions.Select(q => q.ItemId))}")))
        + " | " + string.Join(" | ", session.Notes);

    private static async Task DeleteAsync(NpgsqlConnection connection, Guid[] sessionIds, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("DELETE FROM practice_questions WHERE session_id = ANY($1)") { Parameters = { new NpgsqlParameter { Value = sessionIds } } },
                new NpgsqlBatchCommand("DELETE FROM practice_sessions WHERE id = ANY($1)") { Parameters = { new NpgsqlParameter { Value = sessionIds } } },
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
