using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace LoadGenerator.Faults;

/// <summary>A fault injected into a running load: what starts it, and what ends it (null: it is never undone).</summary>
/// <param name="Begin">Injects the fault (kills or stops a server, shrinks Redis's memory).</param>
/// <param name="End">Undoes it and waits until the server is healthy again, or null.</param>
internal sealed record Fault(Func<CancellationToken, Task> Begin, Func<CancellationToken, Task>? End);

/// <summary>
/// A closed-loop load with a fault injected in its middle: once <see cref="FaultOptions.AnswersBeforeFault"/> answers are
/// acknowledged the fault begins, lasts <see cref="FaultOptions.FaultWindow"/> while the examinees keep going (retrying
/// what is refused), ends, and after <see cref="FaultOptions.AnswersAfterRecovery"/> more answers no further exam
/// starts; every exam in flight then runs to its last item. The checks every such scenario shares: the fault hit a
/// running load, nothing acknowledged was lost, nothing was stored twice, θ replays bit for bit, and every started exam
/// finished with all its items.
/// </summary>
internal static class LoadUnderFault
{
    // A safety net only: the load normally ends long before, when the scenario stops starting exams.
    private static readonly TimeSpan LoadLimit = TimeSpan.FromMinutes(10);

    public static async Task<(LoadReport Load, List<FaultCheck> Checks, Dictionary<string, double> Figures)> RunAsync(
        ExamTarget target, FaultOptions options, Fault fault, CancellationToken cancellationToken)
    {
        var run = new LoadRun(target, new LoadOptions
        {
            Concurrency = options.Concurrency,
            Examinees = 0,
            Duration = LoadLimit,
            MaxItems = options.MaxItems,
            Seed = options.Seed,
            // Longer than any outage of these scenarios, so an examinee never gives up on a refused answer.
            RetryFor = TimeSpan.FromSeconds(60),
        });
        var running = run.RunAsync(cancellationToken);
        var metrics = run.Metrics;
        var checks = new List<FaultCheck>();
        var figures = new Dictionary<string, double>(StringComparer.Ordinal);

        var reachedBefore = await WaitForAnswersAsync(metrics, running, options.AnswersBeforeFault, cancellationToken);
        var (answersBefore, errorsBefore, retriesBefore) = (metrics.Answers, metrics.Errors, Retries(metrics));
        var clock = Stopwatch.StartNew();
        var faultBegan = DateTime.UtcNow;
        await fault.Begin(cancellationToken);
        figures["faultBeginSeconds"] = clock.Elapsed.TotalSeconds;
        await Task.Delay(FaultOptions.Settle, cancellationToken);
        var (answersAtFault, acknowledgedAtFault) = (metrics.Answers, Acknowledged(run.Ledger));
        await Task.Delay(options.FaultWindow - FaultOptions.Settle, cancellationToken);
        var answersBeforeEnd = metrics.Answers;
        var acknowledgedWhileFaulted = Acknowledged(run.Ledger).Except(acknowledgedAtFault).ToArray();
        if (fault.End is { } end) await end(cancellationToken);
        var faultSeconds = clock.Elapsed.TotalSeconds;
        var (answersAtRecovery, errorsAtRecovery, retriesAtRecovery) = (metrics.Answers, metrics.Errors, Retries(metrics));
        var loadRanThrough = !running.IsCompleted;
        var reachedAfter = await WaitForAnswersAsync(metrics, running, answersAtRecovery + options.AnswersAfterRecovery, cancellationToken);
        var recoverySeconds = clock.Elapsed.TotalSeconds - faultSeconds;
        run.StopStartingExams();
        var load = await running;

        figures["answersBeforeFault"] = answersBefore;
        figures["answersWhileFaulted"] = answersBeforeEnd - answersAtFault;
        figures["faultSettleSeconds"] = FaultOptions.Settle.TotalSeconds;
        figures["answersWhileFaultedRecordedBeforeIt"] = await RecordedBeforeAsync(target, acknowledgedWhileFaulted, faultBegan, cancellationToken);
        figures["answersDuringFaultAndRecovery"] = answersAtRecovery - answersBefore;
        figures["answersAfterRecovery"] = load.Answers - answersAtRecovery;
        figures["faultSeconds"] = faultSeconds;
        figures["secondsToAnswersAfterRecovery"] = recoverySeconds;
        figures["failedRequestsDuringFault"] = errorsAtRecovery - errorsBefore;
        figures["retriesDuringFault"] = retriesAtRecovery - retriesBefore;
        figures["failedRequests"] = load.Errors.Values.Sum();
        figures["transientRetries"] = load.TransientRetries;
        figures["connectionRetries"] = load.ConnectionRetries;
        figures["answers"] = load.Answers;
        figures["examsStarted"] = load.ExamsStarted;
        figures["examsCompleted"] = load.ExamsCompleted;
        figures["answersPerSecond"] = load.AnswersPerSecond;

        checks.Add(new FaultCheck("the fault hit a running load", reachedBefore && loadRanThrough && reachedAfter,
            $"{answersBefore} answers acknowledged before the fault (≥ {options.AnswersBeforeFault} wanted); load still running when it ended: {loadRanThrough}; " +
            $"{load.Answers - answersAtRecovery} answers after it (≥ {options.AnswersAfterRecovery} wanted)"));
        checks.AddRange(VerificationChecks(load, options.MaxItems));
        return (load, checks, figures);
    }

    /// <summary>The checks of a load that must survive a fault: verification, and every started exam finished.</summary>
    public static IEnumerable<FaultCheck> VerificationChecks(LoadReport load, int maxItems)
    {
        var v = load.Verification;
        yield return new FaultCheck("0 acknowledged answers lost", v.Missing == 0 && v.Mismatched == 0 && v.MissingSessions == 0,
            $"{v.AcknowledgedAnswers} acknowledged, {v.Found} found, {v.Missing} missing, {v.Mismatched} stored differently, {v.MissingSessions} sessions missing");
        yield return new FaultCheck("every answer stored exactly once", v.Duplicates == 0 && v.ExtraRows == 0,
            $"{v.Duplicates} duplicate rows, {v.ExtraRows} rows never acknowledged");
        yield return new FaultCheck("θ identical to replay", v.FinalThetaMismatches == 0 && v.AnswerThetaMismatches == 0 && v.AnswerThetaChecked == v.AcknowledgedAnswers,
            $"{v.CompletedExamsChecked} final θ and {v.AnswerThetaChecked} acknowledged θ replayed; {v.FinalThetaMismatches} + {v.AnswerThetaMismatches} differ");
        var refusedForGood = load.Errors.Where(e => !IsRetried(e.Key)).Sum(e => e.Value);
        yield return new FaultCheck("every exam finished",
            load.ExamsStarted > 0 && load.ExamsCompleted == load.ExamsStarted && load.Answers == load.ExamsStarted * maxItems
                && v.CompletedExamsChecked == v.Sessions && refusedForGood == 0,
            $"{load.ExamsStarted} started, {load.ExamsCompleted} completed, {v.CompletedExamsChecked} completed in Postgres, " +
            $"{load.Answers} answers of {load.ExamsStarted * maxItems} expected, {refusedForGood} requests refused for good");
        if (v.Problems.Count > 0) yield return new FaultCheck("verification problems", false, string.Join("; ", v.Problems.Take(5)));
    }

    /// <summary>Waits until <paramref name="answers"/> answers are acknowledged; false when the load ended first or took over two minutes.</summary>
    public static async Task<bool> WaitForAnswersAsync(LoadMetrics metrics, Task running, long answers, CancellationToken cancellationToken)
    {
        var giveUp = Stopwatch.StartNew();
        while (metrics.Answers < answers)
        {
            // A load that ended (or failed) early cannot reach the count; its failure surfaces when it is awaited.
            if (running.IsCompleted || giveUp.Elapsed > TimeSpan.FromMinutes(2)) return false;
            await Task.Delay(20, cancellationToken);
        }
        return true;
    }

    /// <summary>Adds each failed-request count of the load report as a figure, e.g. "errors.answer 503".</summary>
    public static void AddErrors(Dictionary<string, double> figures, LoadReport load)
    {
        foreach (var (key, count) in load.Errors) figures["errors." + key] = count;
    }

    private static HashSet<(Guid Session, int Seq)> Acknowledged(AnswerLedger ledger) =>
        [.. ledger.Sessions.SelectMany(session => ledger.AnswersOf(session).Select(answer => (session, answer.Seq)))];

    // Of answers acknowledged during a fault, those whose row was written before it began: a resent answer that had
    // been recorded before the fault is answered again from the hot state, which is right; one written during the
    // fault would not be.
    private static async Task<int> RecordedBeforeAsync(ExamTarget target, (Guid Session, int Seq)[] answers, DateTime before, CancellationToken cancellationToken)
    {
        if (answers.Length == 0) return 0;
        await using var connection = new NpgsqlConnection(target.UnpooledPostgres);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM attempts a JOIN unnest($1::uuid[], $2::int[]) AS w(session_id, seq) USING (session_id, seq) WHERE a.answered_at < $3", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = answers.Select(a => a.Session).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = answers.Select(a => a.Seq).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = before });
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static long Retries(LoadMetrics metrics) => metrics.TransientRetries + metrics.ConnectionRetries;

    // What the examinees send again: no response, a 5xx, and 409 "Answer in progress"; any other 4xx ends an exam early.
    private static bool IsRetried(string errorKey)
    {
        var status = errorKey[(errorKey.LastIndexOf(' ') + 1)..];
        return status == "connection" || status == "409"
            || (int.TryParse(status, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code >= 500);
    }
}
