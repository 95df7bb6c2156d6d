using System.Diagnostics;
using Npgsql;

namespace LoadGenerator;

/// <summary>Rows the run added to Postgres (table counts before the load and after the hold phase).</summary>
/// <param name="Attempts">Rows added to <c>attempts</c>.</param>
/// <param name="Sessions">Rows added to <c>exam_sessions</c>.</param>
public sealed record RowsWritten(long Attempts, long Sessions);

/// <summary>Everything a run measured; <c>--json</c> writes it as is.</summary>
public sealed record LoadReport
{
    /// <summary>"closed" or "open".</summary>
    public required string Mode { get; init; }

    /// <summary>When the run began (UTC).</summary>
    public required DateTime StartedAt { get; init; }

    /// <summary>The ExamApi base URLs the requests were split across.</summary>
    public required IReadOnlyList<string> BaseUrls { get; init; }

    /// <summary>The options of the run.</summary>
    public required LoadOptions Options { get; init; }

    /// <summary>Duration of the load phase (hold, verification and pgbench excluded).</summary>
    public required double LoadSeconds { get; init; }

    /// <summary>The machine's 1-minute load average when the load phase began and ended (Linux), to judge how noisy it was.</summary>
    public double[]? LoadAverage { get; init; }

    /// <summary>Exam answers acknowledged during the load phase.</summary>
    public required long Answers { get; init; }

    /// <summary>
    /// CPU microseconds per acknowledged answer (exam and practice) over the load phase, per process group (ExamApi,
    /// Redis, PostgreSQL, the orchestrator, this process…), when the target can measure them (a graph started by the
    /// generator).
    /// </summary>
    public IReadOnlyDictionary<string, double>? CpuMicrosecondsPerAnswer { get; init; }

    /// <summary>What PostgreSQL and Redis did per acknowledged answer (exam and practice) over the load phase.</summary>
    public ServerWork? ServerWorkPerAnswer { get; init; }

    /// <summary>Exam answers acknowledged per second of the load phase.</summary>
    public required double AnswersPerSecond { get; init; }

    /// <summary>Exams started during the load phase.</summary>
    public required long ExamsStarted { get; init; }

    /// <summary>Exams completed during the load phase.</summary>
    public required long ExamsCompleted { get; init; }

    /// <summary>Exams completed per second of the load phase.</summary>
    public required double ExamsPerSecond { get; init; }

    /// <summary>Latency of successful requests of the load phase, per endpoint (open loop answers: from the scheduled time).</summary>
    public required IReadOnlyDictionary<string, LatencySummary> Latency { get; init; }

    /// <summary>
    /// The server's own time for the same requests (its <c>Server-Timing</c> header, which the graph turns on); empty
    /// for a deployment that does not send it. Latency minus this is the network, the client and waiting to be read.
    /// </summary>
    public IReadOnlyDictionary<string, LatencySummary> ServerLatency { get; init; } = new Dictionary<string, LatencySummary>();

    /// <summary>Failed requests of the whole run by "endpoint status" ("answer 503", "start connection").</summary>
    public required IReadOnlyDictionary<string, long> Errors { get; init; }

    /// <summary>What the first failure of each <see cref="Errors"/> key said (ProblemDetails title and detail, or the connection error).</summary>
    public required IReadOnlyDictionary<string, string> ErrorExamples { get; init; }

    /// <summary>Requests re-sent to the next base URL after a connection error or timeout.</summary>
    public required long ConnectionRetries { get; init; }

    /// <summary>Answers re-sent after a transient refusal (a 5xx, no response, 409 "Answer in progress").</summary>
    public required long TransientRetries { get; init; }

    /// <summary>The open loop's schedule, for an open-loop run.</summary>
    public OpenLoopSummary? OpenLoop { get; init; }

    /// <summary>The Redis memory measurement, when sessions were held.</summary>
    public HoldResult? Hold { get; init; }

    /// <summary>Rows written to Postgres by the load and hold phases (not the warm-up).</summary>
    public required RowsWritten Rows { get; init; }

    /// <summary>The verification pass over every exam of the run.</summary>
    public required VerificationResult Verification { get; init; }

    /// <summary>The closed loop's practice sessions, when it had a practice share.</summary>
    public PracticeMixResult? Practice { get; init; }

    /// <summary>
    /// ExamApi traces the Aspire dashboard held after the run, for a graph started with it (<c>--dashboard</c>): the
    /// proof that the services' telemetry was exported while they were measured. Null without a dashboard.
    /// </summary>
    public int? DashboardExamApiTraces { get; init; }

    /// <summary>Every exam and practice session of the run verified, and ExamApi's traces in the dashboard when it ran.</summary>
    public bool Passed => Verification.Passed && (Practice?.Verification.Passed ?? true) && DashboardExamApiTraces is null or > 0;

    /// <summary>The pgbench ceiling (measured just before the load), when it ran.</summary>
    public PgBenchResult? PgBench { get; init; }

    /// <summary>Why pgbench failed (e.g. no free connection slot), when it did; the rest of the run still counts.</summary>
    public string? PgBenchError { get; init; }

    /// <summary>Answers/s as a fraction of pgbench's single-insert tps on the same Postgres.</summary>
    public double? AnswersPerPgBenchTps => PgBench is { Tps: > 0 } pgbench ? AnswersPerSecond / pgbench.Tps : null;
}

/// <summary>The practice sessions of a closed loop with a practice share, over the load phase (verification: the whole run).</summary>
/// <param name="SessionsStarted">Practice sessions generated.</param>
/// <param name="SessionsCompleted">Practice sessions completed.</param>
/// <param name="SessionsPerSecond">Completed per second.</param>
/// <param name="Answers">Practice answers acknowledged.</param>
/// <param name="AnswersPerSecond">Acknowledged per second.</param>
/// <param name="Cache">Lookups per practice cache layer (<c>GET /api/cache/stats</c> after the load phase minus before it, every replica).</param>
/// <param name="Verification">The practice verification pass over every practice session of the run.</param>
public sealed record PracticeMixResult(
    long SessionsStarted, long SessionsCompleted, double SessionsPerSecond, long Answers, double AnswersPerSecond,
    IReadOnlyList<LayerLookups> Cache, PracticeVerification Verification);

/// <summary>
/// One load run against a target: imports or reads the item bank, measures the pgbench ceiling, drives the closed or
/// open loop, holds sessions for the Redis memory measurement, and verifies everything acknowledged against Postgres.
/// <see cref="Metrics"/> is live during the run (progress, or a fault test deciding when to kill a server).
/// </summary>
public sealed class LoadRun(ExamTarget target, LoadOptions options)
{
    /// <summary>Live counters and latencies.</summary>
    public LoadMetrics Metrics { get; } = new();

    /// <summary>Sessions started and answers acknowledged so far.</summary>
    public AnswerLedger Ledger { get; } = new();

    /// <summary>Practice sessions generated and answers acknowledged so far.</summary>
    public PracticeLedger Practice { get; } = new();

    // Students who completed an exam, in the warm-up or after it: the practice share's students.
    private readonly PracticePool graduates = new();

    private readonly CancellationTokenSource noMoreExams = new();

    /// <summary>
    /// Closed loop: starts no further exam while those in flight run to their end, so a fault scenario can end its load
    /// at a moment it chooses and still expect every started exam to finish.
    /// </summary>
    public void StopStartingExams() => noMoreExams.Cancel();

    /// <summary>Runs every phase and returns the report.</summary>
    public async Task<LoadReport> RunAsync(CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        options.Validate();
        var startedAt = DateTime.UtcNow;
        using var client = new ExamApiClient(target, Metrics, options.RequestTimeout);
        Metrics.Phase = "item bank";
        var bank = await LoadItemBank.EnsureAsync(client, options.Subject, options.BankSize, cancellationToken);
        if (options.MaxItems > bank.Count) throw new ArgumentException($"max items {options.MaxItems} exceeds the {bank.Count} items of {options.Subject}.");
        // Before the load: afterwards ExamApi's connection pool may hold most of Postgres's connection slots.
        PgBenchResult? pgbench = null;
        string? pgbenchError = null;
        if (options.PgBenchSeconds > 0)
        {
            Metrics.Phase = "pgbench";
            try
            {
                pgbench = await PgBench.RunAsync(target.PostgresConnectionString, options.PgBenchSeconds, cancellationToken);
            }
            catch (Exception error) when (error is InvalidOperationException or NpgsqlException or System.ComponentModel.Win32Exception)
            {
                pgbenchError = error.Message;
            }
        }

        var runId = Guid.NewGuid().ToString("N")[..8];
        if (options.Warmup > TimeSpan.Zero)
        {
            Metrics.Phase = "warm-up";
            var warmupMetrics = new LoadMetrics();
            using var warmupClient = new ExamApiClient(target, warmupMetrics, options.RequestTimeout);
            var warmup = options with { Examinees = 0, Duration = options.Warmup };
            await ClosedLoop.RunAsync(new LoadContext(warmupClient, bank, Ledger, warmupMetrics, warmup, runId + "-warmup") { Practice = Practice, Graduates = graduates }, cancellationToken);
        }

        var context = new LoadContext(client, bank, Ledger, Metrics, options, runId) { Practice = Practice, Graduates = graduates, NoMoreExams = noMoreExams.Token };
        var rowsBefore = await CountRowsAsync(cancellationToken);
        // Its own client, so the statistics reads stay out of the load's latency table.
        using var adminClient = new ExamApiClient(target, new LoadMetrics(), options.RequestTimeout);
        var practising = options.PracticeShare > 0;
        var cacheBefore = practising ? await CacheLookups.ReadAsync(adminClient, cancellationToken) : null;

        Metrics.Phase = options.Rate is null ? "closed loop" : options.Settle > TimeSpan.Zero ? "open loop (settling)" : "open loop";
        OpenLoopSummary? openLoop;
        double loadSeconds;
        long answers, started, completed, practiceStarted, practiceAnswers, practiceCompleted;
        var loadAverageBefore = MachineLoadAverage();
        var cpuBefore = target.SampleCpu?.Invoke();
        var counters = await ServerCounters.StartAsync(target, cancellationToken);
        ServerWork? serverWork;
        try
        {
            var clock = Stopwatch.StartNew();
            openLoop = options.Rate is null ? null : await OpenLoop.RunAsync(context, options.Settle, async () =>
            {
                rowsBefore = await CountRowsAsync(cancellationToken);
                loadAverageBefore = MachineLoadAverage();
                cpuBefore = target.SampleCpu?.Invoke();
                await counters.DisposeAsync();
                counters = await ServerCounters.StartAsync(target, cancellationToken);
                Metrics.Phase = "open loop";
            }, cancellationToken);
            if (openLoop is null) await ClosedLoop.RunAsync(context, cancellationToken);
            loadSeconds = openLoop?.Seconds ?? clock.Elapsed.TotalSeconds;
            (answers, started, completed) = (Metrics.Answers, Metrics.ExamsStarted, Metrics.ExamsCompleted);
            (practiceStarted, practiceAnswers, practiceCompleted) = (Metrics.PracticeStarted, Metrics.PracticeAnswers, Metrics.PracticeCompleted);
            serverWork = await counters.PerAnswerAsync(answers + practiceAnswers, cancellationToken);
        }
        finally
        {
            await counters.DisposeAsync();
        }

        var cpuAfter = target.SampleCpu?.Invoke();
        var latency = Metrics.LatencySummaries();
        var serverLatency = Metrics.ServerLatencySummaries();
        var loadAverageAfter = MachineLoadAverage();
        var cacheLookups = practising ? CacheLookups.Delta(cacheBefore!, await CacheLookups.ReadAsync(adminClient, cancellationToken)) : null;

        HoldResult? hold = null;
        if (options.HoldSessions > 0)
        {
            Metrics.Phase = "hold";
            hold = await HoldMeasurement.RunAsync(context, target, cancellationToken);
        }
        var rowsAfter = await CountRowsAsync(cancellationToken);

        Metrics.Phase = "verify";
        var verification = await new RunVerifier(target.PostgresConnectionString).VerifyAsync(Ledger, cancellationToken);
        var practice = practising
            ? new PracticeMixResult(practiceStarted, practiceCompleted, practiceCompleted / loadSeconds, practiceAnswers, practiceAnswers / loadSeconds,
                cacheLookups!, await new PracticeVerifier(target.PostgresConnectionString).VerifyAsync(Practice, cancellationToken))
            : null;
        int? dashboardTraces = null;
        if (target.CountDashboardTraces is { } countDashboardTraces)
        {
            Metrics.Phase = "telemetry";
            dashboardTraces = await countDashboardTraces(cancellationToken);
        }
        Metrics.Phase = "done";

        return new LoadReport
        {
            Mode = options.Rate is null ? "closed" : "open",
            StartedAt = startedAt,
            BaseUrls = [.. target.BaseUrls.Select(u => u.ToString())],
            Options = options,
            LoadSeconds = loadSeconds,
            LoadAverage = loadAverageBefore is { } before && loadAverageAfter is { } after ? [before, after] : null,
            Answers = answers,
            AnswersPerSecond = answers / loadSeconds,
            ServerWorkPerAnswer = serverWork,
            CpuMicrosecondsPerAnswer = cpuBefore is null || cpuAfter is null || answers + practiceAnswers == 0 ? null
                : cpuAfter.Where(group => cpuBefore.ContainsKey(group.Key))
                    .ToDictionary(group => group.Key, group => (group.Value - cpuBefore[group.Key]) * 1e6 / (answers + practiceAnswers), StringComparer.Ordinal),
            ExamsStarted = started,
            ExamsCompleted = completed,
            ExamsPerSecond = completed / loadSeconds,
            Latency = latency,
            ServerLatency = serverLatency,
            Errors = Metrics.ErrorCounts(),
            ErrorExamples = Metrics.ErrorExamples(),
            ConnectionRetries = Metrics.ConnectionRetries,
            TransientRetries = Metrics.TransientRetries,
            OpenLoop = openLoop,
            Hold = hold,
            Rows = new RowsWritten(rowsAfter.Attempts - rowsBefore.Attempts, rowsAfter.Sessions - rowsBefore.Sessions),
            Verification = verification,
            Practice = practice,
            PgBench = pgbench,
            PgBenchError = pgbenchError,
            DashboardExamApiTraces = dashboardTraces,
        };
    }

    /// <summary>The machine's 1-minute load average (Linux), to judge how noisy a measurement was.</summary>
    internal static double? MachineLoadAverage()
    {
        const string path = "/proc/loadavg";
        return File.Exists(path) && double.TryParse(File.ReadAllText(path).Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    private async Task<RowsWritten> CountRowsAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(target.UnpooledPostgres);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT (SELECT count(*) FROM attempts), (SELECT count(*) FROM exam_sessions)", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new RowsWritten(reader.GetInt64(0), reader.GetInt64(1));
    }
}
