using ExamStore.Bank;
using ExamStore.Sessions;

namespace ExamStore.Practice;

/// <summary>
/// Records practice answers: scored against the in-memory bank, written with the student's topic statistics in one
/// statement, and acknowledged only after it committed. Once per question: the same answer again returns the recorded
/// result, another response to an answered question is a conflict. Never touches an exam.
/// </summary>
public sealed class PracticeAnswering(ItemBankCache banks, PracticeLayers layers, PracticeSessionStore store, PracticeCache cache, TimeProvider clock)
{
    /// <summary>The session with its progress; null when there is no such session.</summary>
    public async Task<PracticeSessionView?> ViewAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        if (await Pg(() => store.FindAsync(sessionId, cancellationToken)) is not { } found) return null;
        var (row, answers) = found;
        var plan = await Pg(() => layers.PlanAsync(row, cancellationToken));
        return new PracticeSessionView(row.SessionId, row.StudentId, row.Subject, row.Status, row.Seed, row.Size, row.Mix, row.CreatedAt, row.CompletedAt, plan.Sections, plan.Notes, answers);
    }

    /// <summary>Records the answer to one of the session's questions.</summary>
    public async Task<PracticeAnswerResult> AnswerAsync(Guid sessionId, long itemId, int response, CancellationToken cancellationToken)
    {
        var (row, answers) = await Pg(() => store.FindAsync(sessionId, cancellationToken))
            ?? throw new ExamException(ExamErrorKind.NotFound, "Session not found", "No such practice session.", "sessionId");
        var plan = await Pg(() => layers.PlanAsync(row, cancellationToken));
        var (section, question) = plan.Questions.FirstOrDefault(q => q.Question.ItemId == itemId);
        if (question is null) throw new ExamException(ExamErrorKind.Invalid, "Invalid itemId", $"Item {itemId} is not a question of this practice session.", "itemId");
        if ((uint)response >= (uint)question.Options.Count)
            throw new ExamException(ExamErrorKind.Invalid, "Invalid response", $"response must be an option index from 0 to {question.Options.Count - 1}.", "response");
        if (answers.FirstOrDefault(a => a.ItemId == itemId) is { } recorded) return Recorded(plan, section, question, recorded, response, answers.Count);
        if (row.Status != PracticeStatus.Active) throw Completed();

        var snapshot = await Pg(() => banks.GetAsync(row.Subject, cancellationToken))
            ?? throw new ExamException(ExamErrorKind.Conflict, "Item bank missing", $"The item bank of subject '{row.Subject}' no longer exists.");
        var correct = response == snapshot.AnswerKeys[snapshot.IndexOf(itemId)];
        var now = PracticeSessionStore.Now(clock);
        var write = await Pg(() => store.RecordAnswerAsync(sessionId, itemId, question.Topic, response, correct, now, cancellationToken));
        if (!write.Written)
        {
            // Another request answered this question (or completed the session) between the read and the write.
            var (current, latest) = (await Pg(() => store.FindAsync(sessionId, cancellationToken)))!.Value;
            if (latest.FirstOrDefault(a => a.ItemId == itemId) is { } raced) return Recorded(plan, section, question, raced, response, latest.Count);
            if (current.Status != PracticeStatus.Active) throw Completed();
        }
        await cache.DropStudentActivityAsync(row.StudentId, row.Subject);
        return new PracticeAnswerResult(sessionId, itemId, question.Position, section.Name, response, correct, now, write.Answered, plan.Size - write.Answered);
    }

    private static PracticeAnswerResult Recorded(PracticePlan plan, PracticeSection section, PracticeQuestion question, PracticeAnswerView recorded, int response, int answered)
    {
        if (recorded.Response != response)
            throw new ExamException(ExamErrorKind.Conflict, "Already answered", $"Item {question.ItemId} was already answered with a different response.", "response");
        return new PracticeAnswerResult(plan.SessionId, question.ItemId, question.Position, section.Name, recorded.Response, recorded.Correct, recorded.AnsweredAt, answered, plan.Size - answered);
    }

    private static ExamException Completed() =>
        new(ExamErrorKind.Conflict, "Practice completed", "The practice session is completed; no more answers are accepted.", "sessionId");

    private static Task<T> Pg<T>(Func<Task<T>> call) => DatabaseCalls.RunAsync(call);
}
