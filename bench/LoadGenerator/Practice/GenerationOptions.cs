namespace LoadGenerator.Practice;

/// <summary>What a practice generation benchmark (<c>loadgen practice-generation</c>) seeds and measures.</summary>
public sealed record GenerationOptions
{
    /// <summary>The benchmark's subject; imported with <see cref="BankSize"/> items over <see cref="Topics"/> topics when it has none.</summary>
    public string Subject { get; init; } = "loadgen-practice";

    /// <summary>Items imported into an empty subject.</summary>
    public int BankSize { get; init; } = 5000;

    /// <summary>Topics the imported items are spread over, in turn.</summary>
    public int Topics { get; init; } = 20;

    /// <summary>The student's answers before the measurement: exam attempts and practice answers together.</summary>
    public int Attempts { get; init; } = 1000;

    /// <summary>Items of each exam of the student's history (no SE target: each runs to its length).</summary>
    public int ExamLength { get; init; } = 40;

    /// <summary>Questions of each practice session of the student's history.</summary>
    public int HistoryPracticeSize { get; init; } = 10;

    /// <summary>Questions of each measured generation.</summary>
    public int Size { get; init; } = 10;

    /// <summary>Generations measured with the cache warm, and as many (the same requests) with it cold.</summary>
    public int Generations { get; init; } = 200;

    /// <summary>Pairs of generations (warm and cold) run first and left out of the figures (JIT, pools).</summary>
    public int WarmupGenerations { get; init; } = 20;

    /// <summary>Seed of the student's ability, answers, and the generations' seeds.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>How long a request refused as transient (a 5xx, no response) is sent again while seeding the history.</summary>
    public TimeSpan RetryFor { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>HTTP timeout of one request.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Subject);
        Require(BankSize is >= 1 and <= 5000, "the bank size must be 1 to 5000");
        Require(Topics is >= 1 and <= 100 && Topics <= BankSize, "topics must be 1 to 100 and at most the bank size");
        Require(Attempts is >= 1 and <= 100_000, "attempts must be 1 to 100000");
        Require(ExamLength is >= 1 and <= 200 && ExamLength <= BankSize, "the exam length must be 1 to 200 and at most the bank size");
        Require(HistoryPracticeSize is >= 1 and <= 100 && HistoryPracticeSize <= BankSize, "the history's practice size must be 1 to 100 and at most the bank size");
        Require(Size is >= 1 and <= 100 && Size <= BankSize, "the size must be 1 to 100 and at most the bank size");
        Require(Generations is >= 1 and <= 100_000, "generations must be 1 to 100000");
        Require(WarmupGenerations is >= 0 and <= 10_000, "warm-up generations must be 0 to 10000");
        Require(RetryFor >= TimeSpan.Zero, "the retry window must be ≥ 0");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message + ".");
    }
}
