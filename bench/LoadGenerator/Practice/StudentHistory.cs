using System.Diagnostics;
using Npgsql;

namespace LoadGenerator.Practice;

/// <summary>The history a benchmark seeded for its student.</summary>
/// <param name="StudentId">The student.</param>
/// <param name="Exams">Exams taken.</param>
/// <param name="ExamAnswers">Their answers (attempts).</param>
/// <param name="PracticeSessions">Practice sessions taken.</param>
/// <param name="PracticeAnswers">Their answers.</param>
/// <param name="Days">Days from the first session to the measurement, as the student's record tells.</param>
/// <param name="Seconds">Time the seeding took.</param>
/// <param name="ExamVerification">Every exam answer stored once, θ replayed bit for bit.</param>
/// <param name="PracticeVerification">Every practice answer stored, every session completed.</param>
public sealed record HistorySummary(
    string StudentId, int Exams, int ExamAnswers, int PracticeSessions, int PracticeAnswers, double Days, double Seconds,
    VerificationResult ExamVerification, PracticeVerification PracticeVerification)
{
    /// <summary>Both verifications passed.</summary>
    public bool Passed => ExamVerification.Passed && PracticeVerification.Passed;
}

/// <summary>
/// Seeds one student's history through the API, as the product records it: every seventh session an exam, the others
/// practice sessions (generated for the student's record, so they go to the weak, current and revision topics it shows),
/// answered by a student whose θ differs by topic, until the answers add up to <see cref="GenerationOptions.Attempts"/>.
/// The API has no clock to set, so between two sessions the student's whole record is moved back in time by 12 to 36
/// hours (one SQL statement per table through examdb: every timestamp of the student's exams, attempts, practice
/// sessions and answers, topic statistics and proficiencies; then their cache entries cleared), as if that much time
/// had passed: the spaced-repetition intervals, the recent window and "longest unseen" then work on a history of
/// weeks, which a seeding of seconds could not give.
/// </summary>
internal sealed class StudentHistory(LoadContext context, string postgresConnectionString, NpgsqlConnection connection, GenerationOptions options)
{
    private const int ExamEvery = 7;
    private const double TopicShiftSd = 0.7;

    // Move every timestamp of the student ($1) back by $2. Differences between them stay, so the record is one taken
    // that much earlier.
    private static readonly string[] AgeStatements =
    [
        """
        UPDATE exam_sessions SET started_at = started_at - $2, last_activity_at = last_activity_at - $2,
            completed_at = completed_at - $2, expires_at = expires_at - $2 WHERE student_id = $1
        """,
        """
        UPDATE attempts a SET served_at = a.served_at - $2, answered_at = a.answered_at - $2
        FROM exam_sessions s WHERE s.id = a.session_id AND s.student_id = $1
        """,
        "UPDATE practice_sessions SET created_at = created_at - $2, completed_at = completed_at - $2 WHERE student_id = $1",
        """
        UPDATE practice_answers a SET answered_at = a.answered_at - $2
        FROM practice_sessions p WHERE p.id = a.session_id AND p.student_id = $1
        """,
        "UPDATE topic_statistics SET last_seen_at = last_seen_at - $2, next_review_at = next_review_at - $2 WHERE student_id = $1",
        "UPDATE student_proficiencies SET updated_at = updated_at - $2 WHERE student_id = $1",
    ];

    /// <summary>Seeds the history of <paramref name="studentId"/> and verifies it.</summary>
    public async Task<HistorySummary> SeedAsync(string studentId, Random random, Action<string> progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var topics = context.Bank.Topics;
        var ability = new TrueAbility(LoadItemBank.Normal(random), topics.ToDictionary(t => t, _ => TopicShiftSd * LoadItemBank.Normal(random), StringComparer.Ordinal));
        int exams = 0, examAnswers = 0, practices = 0, practiceAnswers = 0;
        var aged = TimeSpan.Zero;
        for (var session = 0; examAnswers + practiceAnswers < options.Attempts; session++)
        {
            var remaining = options.Attempts - examAnswers - practiceAnswers;
            if (session % ExamEvery == 0)
            {
                var examinee = new Examinee(context, studentId, ability, random, Math.Min(options.ExamLength, remaining));
                if (!await examinee.TakeExamAsync(long.MaxValue, cancellationToken)) throw new InvalidOperationException($"Exam {exams + 1} of the history of {studentId} failed: {Errors()}.");
                exams++;
                examAnswers += examinee.Answered;
            }
            else
            {
                var before = context.Metrics.PracticeAnswers;
                var student = new PracticeStudent(context, studentId, ability, random);
                if (!await student.PracticeAsync(options.Subject, Math.Min(options.HistoryPracticeSize, remaining), long.MaxValue, cancellationToken))
                    throw new InvalidOperationException($"Practice session {practices + 1} of the history of {studentId} failed: {Errors()}.");
                practices++;
                practiceAnswers += (int)(context.Metrics.PracticeAnswers - before);
            }
            var gap = TimeSpan.FromHours(12 + 24 * random.NextDouble());
            await AgeAsync(studentId, gap, cancellationToken);
            aged += gap;
            if (session % 10 == 9) progress($"history: {session + 1} sessions, {examAnswers + practiceAnswers:N0} of {options.Attempts:N0} answers");
        }

        var exam = await new RunVerifier(postgresConnectionString).VerifyAsync(context.Ledger, cancellationToken);
        var practice = await new PracticeVerifier(postgresConnectionString).VerifyAsync(context.Practice, cancellationToken);
        return new HistorySummary(studentId, exams, examAnswers, practices, practiceAnswers, aged.TotalDays, clock.Elapsed.TotalSeconds, exam, practice);
    }

    private string Errors() => string.Join("; ", context.Metrics.ErrorCounts().Select(e => $"{e.Key} × {e.Value}: {context.Metrics.ErrorExamples().GetValueOrDefault(e.Key)}"));

    private async Task AgeAsync(string studentId, TimeSpan by, CancellationToken cancellationToken)
    {
        // One batch is one transaction: no reader sees half the record moved.
        await using (var batch = new NpgsqlBatch(connection))
        {
            foreach (var statement in AgeStatements)
            {
                var command = new NpgsqlBatchCommand(statement);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = studentId });
                command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = by });
                batch.BatchCommands.Add(command);
            }
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        // The cached record still has the old times; nothing in the API knows they moved.
        var cleared = await context.Client.ClearCacheAsync(new CacheClearRequest(studentId, null), cancellationToken);
        if (!cleared.Succeeded) throw new InvalidOperationException($"Clearing the cache of {studentId} failed: {cleared.Status} {cleared.ProblemTitle}.");
    }
}
