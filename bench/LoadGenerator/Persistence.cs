using System.Diagnostics;

namespace LoadGenerator;

/// <summary>How one request of a simulated student ended.</summary>
internal enum StepOutcome
{
    /// <summary>Acknowledged.</summary>
    Succeeded,

    /// <summary>Not acknowledged but worth sending again: no response, a 5xx, or 409 "Answer in progress".</summary>
    Transient,

    /// <summary>Refused for good (4xx); the student gives up its session.</summary>
    Failed,
}

/// <summary>The simulated students' rule for requests refused as transient: send them again, for a while.</summary>
internal static class Persistence
{
    private const string AnswerInProgress = "Answer in progress";

    /// <summary>Runs a step until it succeeds or fails for good, sending it again after a transient refusal for at most <paramref name="retryFor"/>.</summary>
    public static async Task<bool> PersistAsync(Func<CancellationToken, Task<StepOutcome>> step, TimeSpan retryFor, CancellationToken cancellationToken)
    {
        var giveUpAt = Stopwatch.GetTimestamp() + (long)(retryFor.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var outcome = await step(cancellationToken);
            if (outcome != StepOutcome.Transient) return outcome == StepOutcome.Succeeded;
            if (Stopwatch.GetTimestamp() > giveUpAt) return false;
            await Task.Delay(100, cancellationToken);
        }
    }

    // Every step is idempotent on the server except the starts (exam or practice), where a repeat at worst leaves an
    // unused session; so any server error is worth repeating: an answer that committed before its 500 is then
    // acknowledged, not left behind.
    public static StepOutcome Classify<T>(ApiResult<T> result) => result.Status switch
    {
        0 or >= 500 => StepOutcome.Transient,
        409 when result.ProblemTitle == AnswerInProgress => StepOutcome.Transient,
        _ => StepOutcome.Failed,
    };
}
