namespace LoadGenerator;

/// <summary>What a load run does. Closed loop unless <see cref="Rate"/> is set.</summary>
public sealed record LoadOptions
{
    /// <summary>The generator's subject; imported with <see cref="BankSize"/> items when it has none.</summary>
    public string Subject { get; init; } = "loadgen-3pl";

    /// <summary>Items imported into an empty subject.</summary>
    public int BankSize { get; init; } = 500;

    /// <summary>A closed loop at <see cref="Concurrency"/> run first and left out of the figures (JIT, connection pools, caches); its sessions are still verified.</summary>
    public TimeSpan Warmup { get; init; }

    /// <summary>Open loop: seconds at the rate, after the pool is filled, before the figures start (the pool's start is not steady state).</summary>
    public TimeSpan Settle { get; init; }

    /// <summary>Closed loop: examinees in flight at once (also the parallelism of the hold phase and of pool filling).</summary>
    public int Concurrency { get; init; } = 16;

    /// <summary>Closed loop: students in total (exams and practice sessions); 0 runs until <see cref="Duration"/>.</summary>
    public int Examinees { get; init; } = 200;

    /// <summary>Open loop: answers per second, scheduled at fixed intervals; null for closed loop.</summary>
    public double? Rate { get; init; }

    /// <summary>Open loop: how long answers are scheduled. Closed loop: no examinee starts, and no answer is sent, after it.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Open loop sessions when <see cref="OpenSessions"/> is not set.</summary>
    public const int DefaultOpenSessions = 64;

    /// <summary>
    /// Open loop: active sessions (students) kept ready, default <see cref="DefaultOpenSessions"/>. Also the most answers
    /// in flight: when the server falls behind, further scheduled answers wait for a session, and that wait counts.
    /// </summary>
    public int? OpenSessions { get; init; }

    /// <summary>
    /// Closed loop: the share of students (0 to 1) who run a practice session (generate, answer every question,
    /// complete) instead of an exam, as a student of the run who completed an exam; 0 for exams only.
    /// </summary>
    public double PracticeShare { get; init; }

    /// <summary>Questions in each practice session of the closed loop's practice share.</summary>
    public int PracticeSize { get; init; } = 10;

    /// <summary>Maximum test length asked for at start.</summary>
    public int MaxItems { get; init; } = 30;

    /// <summary>Standard error that ends an exam early, or null.</summary>
    public double? SeTarget { get; init; }

    /// <summary>Sessions opened and held for the Redis memory measurement; 0 skips it.</summary>
    public int HoldSessions { get; init; }

    /// <summary>Answers given in each held session (they are started with more items so they stay active).</summary>
    public int HoldAnswers { get; init; } = 30;

    /// <summary>Seconds of the pgbench single-insert ceiling run after the load; 0 skips it.</summary>
    public int PgBenchSeconds { get; init; }

    /// <summary>Seed of the examinees' true θ and answers.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>How long an examinee keeps re-sending a request refused as transient (a 5xx, no response) before giving up.</summary>
    public TimeSpan RetryFor { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>HTTP timeout of one request on one base URL.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Subject);
        Require(BankSize is >= 1 and <= 5000, "the bank size must be 1 to 5000");
        Require(Concurrency is >= 1 and <= 10_000, "concurrency must be 1 to 10000");
        Require(Examinees >= 0, "examinees must be ≥ 0");
        Require(Rate is null || (double.IsFinite(Rate.Value) && Rate.Value > 0 && Rate.Value <= 100_000), "the rate must be > 0 and ≤ 100000 answers/s");
        Require(Warmup >= TimeSpan.Zero && Warmup <= TimeSpan.FromMinutes(10), "the warm-up must be 0 to 10 minutes");
        Require(Settle >= TimeSpan.Zero && Settle <= TimeSpan.FromMinutes(10), "the settling time must be 0 to 10 minutes");
        Require(Duration > TimeSpan.Zero && Duration <= TimeSpan.FromHours(1), "the duration must be > 0 and ≤ 1 hour");
        Require(OpenSessions is null or >= 1, "open sessions must be ≥ 1");
        Require(MaxItems is >= 1 and <= 200, "max items must be 1 to 200");
        Require(PracticeShare is >= 0 and <= 1, "the practice share must be 0 to 1");
        Require(PracticeShare == 0 || Rate is null, "a practice share needs the closed loop (no --rate)");
        Require(PracticeSize is >= 1 and <= 100, "the practice size must be 1 to 100");
        Require(SeTarget is null || SeTarget.Value is >= 0.05 and <= 2, "the SE target must be 0.05 to 2");
        Require(HoldSessions is >= 0 and <= 100_000, "hold sessions must be 0 to 100000");
        Require(HoldAnswers is >= 0 and < 200, "hold answers must be 0 to 199");
        Require(PgBenchSeconds is >= 0 and <= 600, "pgbench seconds must be 0 to 600");
        Require(RetryFor >= TimeSpan.Zero, "the retry window must be ≥ 0");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message + ".");
    }
}
