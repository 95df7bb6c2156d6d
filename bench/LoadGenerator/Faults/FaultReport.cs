namespace LoadGenerator.Faults;

/// <summary>The fault scenarios of <c>loadgen fault</c>.</summary>
public enum FaultScenario
{
    /// <summary>Redis killed during load and started again, empty.</summary>
    RedisKill,

    /// <summary>Postgres stopped during load and started again.</summary>
    PostgresRestart,

    /// <summary>One of two ExamApi replicas killed during load.</summary>
    ReplicaKill,

    /// <summary>Redis given a small maxmemory with allkeys-lru during load.</summary>
    Eviction,

    /// <summary>Seeded malformed requests against every student and admin endpoint.</summary>
    Fuzz,
}

/// <summary>How long and how hard a fault scenario runs.</summary>
public sealed record FaultOptions
{
    /// <summary>The short form (each scenario under a minute with the graph's start), as CI runs it.</summary>
    public bool Short { get; init; } = true;

    /// <summary>Seed of the examinees and of the fuzzed requests.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Examinees in flight at once, and the fuzzer's requests in flight.</summary>
    public int Concurrency { get; init; } = 16;

    /// <summary>Items of each exam (no SE target, so every finished exam answers exactly this many).</summary>
    public int MaxItems { get; init; } = 10;

    /// <summary>Answers acknowledged before the fault is injected.</summary>
    public int AnswersBeforeFault => Short ? 300 : 3000;

    /// <summary>
    /// Time after the fault began before answers count as acknowledged during it: a response that left ExamApi before
    /// the fault (a commit just before Postgres stopped) may arrive just after.
    /// </summary>
    public static TimeSpan Settle => TimeSpan.FromMilliseconds(500);

    /// <summary>How long the fault lasts while the load keeps going.</summary>
    public TimeSpan FaultWindow => TimeSpan.FromSeconds(Short ? 3 : 15);

    /// <summary>Answers acknowledged after the recovery before the load stops starting exams.</summary>
    public int AnswersAfterRecovery => Short ? 300 : 3000;

    /// <summary>Fuzzed requests, or null for the form's number.</summary>
    public int? FuzzRequests { get; init; }

    /// <summary>Fuzzed requests sent: <see cref="FuzzRequests"/>, else 10,000 in the short form and 100,000 in the full.</summary>
    public int FuzzRequestCount => FuzzRequests ?? (Short ? 10_000 : 100_000);
}

/// <summary>One pass/fail condition of a scenario and what was measured for it.</summary>
/// <param name="Name">What must hold.</param>
/// <param name="Passed">Whether it held.</param>
/// <param name="Detail">The numbers behind it.</param>
public sealed record FaultCheck(string Name, bool Passed, string Detail);

/// <summary>What a fault scenario did and found; <c>--json</c> writes it as is.</summary>
public sealed record FaultReport
{
    /// <summary>The scenario's command name, e.g. "redis-kill".</summary>
    public required string Scenario { get; init; }

    /// <summary>The short form ran.</summary>
    public required bool Short { get; init; }

    /// <summary>When it began (UTC).</summary>
    public required DateTime StartedAt { get; init; }

    /// <summary>Seconds from the scenario's start to its report (the graph's start excluded).</summary>
    public required double Seconds { get; init; }

    /// <summary>Every check; the scenario passed when all passed.</summary>
    public required IReadOnlyList<FaultCheck> Checks { get; init; }

    /// <summary>The scenario's numbers by name (answers before, during and after the fault, failures, retries, evictions…).</summary>
    public required IReadOnlyDictionary<string, double> Figures { get; init; }

    /// <summary>The load run under the fault, for the load scenarios.</summary>
    public LoadReport? Load { get; init; }

    /// <summary>The fuzz run, for the fuzz scenario.</summary>
    public FuzzSummary? Fuzz { get; init; }

    /// <summary>ExamApi's failure log lines (an unhandled exception and its stack) seen by the end of the scenario, to pin down a 500.</summary>
    public IReadOnlyList<string> ExamApiFailures { get; init; } = [];

    /// <summary>Every check passed.</summary>
    public bool Passed => Checks.Count > 0 && Checks.All(c => c.Passed);
}
