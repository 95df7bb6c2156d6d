using System.Diagnostics;

namespace LoadGenerator;

/// <summary>How one request of an examinee ended.</summary>
internal enum StepOutcome
{
    /// <summary>Acknowledged.</summary>
    Succeeded,

    /// <summary>Not acknowledged but worth sending again: no response, a 5xx, or 409 "Answer in progress".</summary>
    Transient,

    /// <summary>Refused for good (4xx); the examinee gives up its session.</summary>
    Failed,
}

/// <summary>What every examinee of a run shares.</summary>
internal sealed class LoadContext(ExamApiClient client, LoadItemBank bank, AnswerLedger ledger, LoadMetrics metrics, LoadOptions options, string runId)
{
    private int next = -1;

    public ExamApiClient Client => client;

    public LoadItemBank Bank => bank;

    public AnswerLedger Ledger => ledger;

    public LoadMetrics Metrics => metrics;

    public LoadOptions Options => options;

    /// <summary>Closed loop: cancelled when no further exam may start.</summary>
    public CancellationToken NoMoreExams { get; init; }

    /// <summary>The next examinee, its true θ and answers fixed by the run's seed and its number.</summary>
    public Examinee NewExaminee(int maxItems, int? leaveAfter = null)
    {
        var index = Interlocked.Increment(ref next);
        return new Examinee(this, $"loadgen-{runId}-{index}", new Random(unchecked(options.Seed * 1_000_003 + index)), maxItems) { LeaveAfter = leaveAfter };
    }
}

/// <summary>
/// One simulated student with a true θ ~ N(0, 1): starts an exam, answers each served item correctly with the 3PL
/// probability P(θ) (else a wrong option at random), and completes. Only one request of an examinee is ever in flight.
/// </summary>
internal sealed class Examinee
{
    private const string AnswerInProgress = "Answer in progress";

    /// <summary>Starts the exam now.</summary>
    public static readonly Func<Examinee, CancellationToken, Task<StepOutcome>> Start = (examinee, token) => examinee.StartAsync(Stopwatch.GetTimestamp(), token);

    /// <summary>Answers the current item now.</summary>
    public static readonly Func<Examinee, CancellationToken, Task<StepOutcome>> Answer = (examinee, token) => examinee.AnswerAsync(Stopwatch.GetTimestamp(), token);

    /// <summary>Completes the exam.</summary>
    public static readonly Func<Examinee, CancellationToken, Task<StepOutcome>> Complete = (examinee, token) => examinee.CompleteAsync(token);

    private readonly LoadContext context;
    private readonly string studentId;
    private readonly Random random;
    private readonly int maxItems;
    private string token = string.Empty;
    private long currentItem;
    private int? pendingResponse;

    public Examinee(LoadContext context, string studentId, Random random, int maxItems)
    {
        this.context = context;
        this.studentId = studentId;
        this.random = random;
        this.maxItems = maxItems;
        TrueTheta = LoadItemBank.Normal(random);
    }

    public double TrueTheta { get; }

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
        var result = await context.Client.StartAsync(new StartRequest(studentId, options.Subject, maxItems, options.SeTarget), began, cancellationToken);
        if (!result.Succeeded) return Classify(result);
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
        if (pendingResponse is null) pendingResponse = Choose(item);
        else context.Metrics.TransientRetried();
        var response = pendingResponse.Value;
        var result = await context.Client.AnswerAsync(new AnswerRequest(SessionId, item.Id, response), token, began, cancellationToken);
        if (!result.Succeeded) return Classify(result);

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
        if (!result.Succeeded) return Classify(result);
        context.Metrics.ExamCompleted();
        return StepOutcome.Succeeded;
    }

    /// <summary>Runs a step until it succeeds or fails for good, sending it again after a transient refusal for at most the run's retry window.</summary>
    public async Task<bool> PersistAsync(Func<Examinee, CancellationToken, Task<StepOutcome>> step, CancellationToken cancellationToken)
    {
        var giveUpAt = Stopwatch.GetTimestamp() + (long)(context.Options.RetryFor.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var outcome = await step(this, cancellationToken);
            if (outcome != StepOutcome.Transient) return outcome == StepOutcome.Succeeded;
            if (Stopwatch.GetTimestamp() > giveUpAt) return false;
            await Task.Delay(100, cancellationToken);
        }
    }

    private int Choose(BankItem item)
    {
        if (random.NextDouble() < item.Model.Probability(TrueTheta)) return item.AnswerKey;
        return (item.AnswerKey + 1 + random.Next(item.OptionCount - 1)) % item.OptionCount;
    }

    // Every step is idempotent on the server except start, where a repeat at worst leaves an unused session; so any
    // server error is worth repeating: an answer that committed before its 500 is then acknowledged, not left behind.
    private static StepOutcome Classify<T>(ApiResult<T> result) => result.Status switch
    {
        0 or >= 500 => StepOutcome.Transient,
        409 when result.ProblemTitle == AnswerInProgress => StepOutcome.Transient,
        _ => StepOutcome.Failed,
    };
}
