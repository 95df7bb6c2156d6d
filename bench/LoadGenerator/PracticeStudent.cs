using System.Diagnostics;

namespace LoadGenerator;

/// <summary>
/// One simulated student's practice session: generates it (seeded), answers every question in order as its
/// <see cref="TrueAbility"/> says, and completes it. Only one request of a student is ever in flight.
/// </summary>
internal sealed class PracticeStudent(LoadContext context, string studentId, TrueAbility ability, Random random)
{
    /// <summary>Largest seed the API takes.</summary>
    public const long MaxSeed = (1L << 53) - 1;

    /// <summary>
    /// Generates a session of <paramref name="size"/> questions in <paramref name="subject"/>, answers its questions until
    /// <paramref name="stopAt"/> (a Stopwatch timestamp) has passed and completes it; true when the session was completed.
    /// </summary>
    public async Task<bool> PracticeAsync(string subject, int size, long stopAt, CancellationToken cancellationToken)
    {
        var request = new PracticeStartRequest(studentId, subject, size, random.NextInt64(MaxSeed + 1));
        PracticeStartResponse? session = null;
        if (!await PersistAsync(async token =>
        {
            var result = await context.Client.StartPracticeAsync(request, token);
            if (!result.Succeeded) return Persistence.Classify(result);
            session = result.Body!;
            return StepOutcome.Succeeded;
        }, cancellationToken)) return false;
        context.Practice.SessionStarted(session!.SessionId);
        context.Metrics.PracticeSessionStarted();

        foreach (var question in session.Sections.SelectMany(s => s.Questions))
        {
            if (Stopwatch.GetTimestamp() >= stopAt) break;
            var response = ability.Respond(context.Bank[question.ItemId], random);
            if (!await PersistAsync(async token =>
            {
                var result = await context.Client.AnswerPracticeAsync(session.SessionId, new PracticeAnswerRequest(question.ItemId, response), session.Token, token);
                if (!result.Succeeded) return Persistence.Classify(result);
                context.Practice.Acknowledge(new AcknowledgedPracticeAnswer(session.SessionId, question.ItemId, response));
                context.Metrics.PracticeAnswerAcknowledged();
                return StepOutcome.Succeeded;
            }, cancellationToken)) break;
        }

        return await PersistAsync(async token =>
        {
            var result = await context.Client.CompletePracticeAsync(session.SessionId, session.Token, token);
            if (!result.Succeeded) return Persistence.Classify(result);
            context.Practice.SessionCompleted(session.SessionId);
            context.Metrics.PracticeSessionCompleted();
            return StepOutcome.Succeeded;
        }, cancellationToken);
    }

    private Task<bool> PersistAsync(Func<CancellationToken, Task<StepOutcome>> step, CancellationToken cancellationToken) =>
        Persistence.PersistAsync(step, context.Options.RetryFor, cancellationToken);
}
