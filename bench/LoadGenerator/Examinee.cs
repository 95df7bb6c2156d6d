using System.Diagnostics;

namespace LoadGenerator;

/// <summary>What every simulated student of a run shares.</summary>
internal sealed class LoadContext(ExamApiClient client, LoadItemBank bank, AnswerLedger ledger, LoadMetrics metrics, LoadOptions options, string runId)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, Lazy<Task<string>>> designs = new();
    private int next = -1;

    /// <summary>The run's exam design of <paramref name="maxItems"/> items (with the run's SE target), made once when first asked for.</summary>
    public Task<string> DesignFor(int maxItems, CancellationToken cancellationToken) =>
        designs.GetOrAdd(maxItems, length => new Lazy<Task<string>>(() =>
            client.CreateDesignAsync($"loadgen-{runId}-{length}", options.Subject, length, options.SeTarget, cancellationToken))).Value;

    public ExamApiClient Client => client;

    public LoadItemBank Bank => bank;

    public AnswerLedger Ledger => ledger;

    public LoadMetrics Metrics => metrics;

    public LoadOptions Options => options;

    /// <summary>Practice sessions generated and answers acknowledged.</summary>
    public PracticeLedger Practice { get; init; } = new();

    /// <summary>Students who completed an exam, for practice sessions.</summary>
    public PracticePool Graduates { get; init; } = new();

    /// <summary>Closed loop: cancelled when no further exam may start.</summary>
    public CancellationToken NoMoreExams { get; init; }

    /// <summary>
    /// The student who practises as the closed loop's <paramref name="claim"/>-th student, drawn with probability
    /// <see cref="LoadOptions.PracticeShare"/> among the students who completed an exam; null for an exam instead.
    /// </summary>
    public PracticeStudent? NextPracticeStudent(long claim)
    {
        if (options.PracticeShare == 0) return null;
        var random = new Random(unchecked(options.Seed * 7_368_787 + (int)claim));
        if (random.NextDouble() >= options.PracticeShare || Graduates.Pick(random) is not { } picked) return null;
        return new PracticeStudent(this, picked.StudentId, picked.Ability, random);
    }

    /// <summary>The next examinee, its true θ and answers fixed by the run's seed and its number.</summary>
    public Examinee NewExaminee(int maxItems, int? leaveAfter = null)
    {
        var index = Interlocked.Increment(ref next);
        var random = new Random(unchecked(options.Seed * 1_000_003 + index));
        return new Examinee(this, $"loadgen-{runId}-{index}", TrueAbility.Uniform(LoadItemBank.Normal(random)), random, maxItems) { LeaveAfter = leaveAfter };
    }
}

/// <summary>
/// One simulated student taking an exam: starts it, answers each served item as its <see cref="TrueAbility"/> says
/// (the run's examinees: a true θ ~ N(0, 1) in every topic), and completes. Only one request of an examinee is ever in
/// flight.
/// </summary>
internal sealed class Examinee
{
    /// <summary>Starts the exam now.</summary>
    public static readonly Func<Examinee, CancellationToken, Task<StepOutcome>> Start = (examinee, token) => examinee.StartAsync(Stopwatch.GetTimestamp(), token);

    /// <summary>Answers the current item now.</summary>
    public static readonly Func<Examinee, CancellationToken, Task<StepOutcome>> Answer = (examinee, token) => examinee.AnswerAsync(Stopwatch.GetTimestamp(), token);

    /// <summary>Completes the exam.</summary>
    public static readonly Func<Examinee, CancellationToken, Task<StepOutcome>> Complete = (examinee, token) => examinee.CompleteAsync(token);

    private readonly LoadContext context;
    private readonly Random random;
    private readonly int maxItems;
    private string token = string.Empty;
    private long currentItem;
    private int? pendingResponse;

    public Examinee(LoadContext context, string studentId, TrueAbility ability, Random random, int maxItems)
    {
        this.context = context;
        this.random = random;
        this.maxItems = maxItems;
        StudentId = studentId;
        Ability = ability;
    }

    public string StudentId { get; }

    public TrueAbility Ability { get; }

    public Guid SessionId { get; private set; }

    /// <summary>The server has a session for this examinee.</summary>
    public bool Started { get; private set; }

    /// <summary>A stopping rule ended the exam; nothing is waiting for an answer.</summary>
    public bool Done { get; private set; }

    /// <summary>Acknowledged answers.</summary>
    public int Answered { get; private set; }

    /// <summary>Answers after which the student completes the exam before its stopping rule, or null to run to the end.</summary>
    public int? LeaveAfter { get; init; }

    /// <summary>Nothing more to answer: the stopping rule ended the exam or the student is leaving.</summary>
    public bool Finished => Done || Answered >= LeaveAfter;

    public async Task<StepOutcome> StartAsync(long began, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var designId = await context.DesignFor(maxItems, cancellationToken);
        var result = await context.Client.StartAsync(new StartRequest(StudentId, designId), began, cancellationToken);
        if (!result.Succeeded) return Persistence.Classify(result);
        SessionId = result.Body!.SessionId;
        token = result.Body.Token;
        currentItem = result.Body.Item.Id;
        Started = true;
        context.Ledger.SessionStarted(SessionId);
        context.Metrics.ExamStarted();
        return StepOutcome.Succeeded;
    }

    /// <summary>Reads the session's status (after its Redis state was deleted, this times a rebuild from Postgres).</summary>
    public async Task<bool> ReadStatusAsync(CancellationToken cancellationToken) =>
        (await context.Client.RebuildStatusAsync(SessionId, token, cancellationToken)).Succeeded;

    /// <summary>Answers the current item; an answer that was not acknowledged is sent again unchanged (idempotent).</summary>
    public async Task<StepOutcome> AnswerAsync(long began, CancellationToken cancellationToken)
    {
        var item = context.Bank[currentItem];
        if (pendingResponse is null) pendingResponse = Ability.Respond(item, random);
        else context.Metrics.TransientRetried();
        var response = pendingResponse.Value;
        var result = await context.Client.AnswerAsync(new AnswerRequest(SessionId, item.Id, response), token, began, cancellationToken);
        if (!result.Succeeded) return Persistence.Classify(result);

        var body = result.Body!;
        context.Ledger.Acknowledge(new AcknowledgedAnswer(SessionId, body.Answered, item.Id, response, body.Theta, body.Se));
        context.Metrics.AnswerAcknowledged();
        pendingResponse = null;
        Answered = body.Answered;
        Done = body.Done || body.NextItem is null;
        if (!Done) currentItem = body.NextItem!.Id;
        return StepOutcome.Succeeded;
    }

    public async Task<StepOutcome> CompleteAsync(CancellationToken cancellationToken)
    {
        var result = await context.Client.CompleteAsync(SessionId, token, cancellationToken);
        if (!result.Succeeded) return Persistence.Classify(result);
        context.Metrics.ExamCompleted();
        return StepOutcome.Succeeded;
    }

    /// <summary>
    /// The whole exam: start, answers until a stopping rule ends it or <paramref name="stopAt"/> (a Stopwatch
    /// timestamp) has passed, then completion; true when the exam was completed.
    /// </summary>
    public async Task<bool> TakeExamAsync(long stopAt, CancellationToken cancellationToken)
    {
        if (!await PersistAsync(Start, cancellationToken)) return false;
        while (!Done && Stopwatch.GetTimestamp() < stopAt)
        {
            if (!await PersistAsync(Answer, cancellationToken)) break;
        }
        return await PersistAsync(Complete, cancellationToken);
    }

    /// <summary>Runs a step until it succeeds or fails for good, sending it again after a transient refusal for at most the run's retry window.</summary>
    public Task<bool> PersistAsync(Func<Examinee, CancellationToken, Task<StepOutcome>> step, CancellationToken cancellationToken) =>
        Persistence.PersistAsync(token => step(this, token), context.Options.RetryFor, cancellationToken);
}
