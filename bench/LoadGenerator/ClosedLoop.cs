using System.Diagnostics;

namespace LoadGenerator;

/// <summary>
/// Closed loop: <see cref="LoadOptions.Concurrency"/> students at a time, each taking a whole exam (or, with a
/// <see cref="LoadOptions.PracticeShare"/>, that share of them a whole practice session as a student who completed an
/// exam) and the next one starting when it ends, until <see cref="LoadOptions.Examinees"/> have run or
/// <see cref="LoadOptions.Duration"/> has passed, or <see cref="LoadContext.NoMoreExams"/> is cancelled. A session still
/// running at the deadline stops answering and is completed by its student.
/// </summary>
internal static class ClosedLoop
{
    public static async Task RunAsync(LoadContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var stopAt = Stopwatch.GetTimestamp() + (long)(options.Duration.TotalSeconds * Stopwatch.Frequency);
        var limit = options.Examinees == 0 ? long.MaxValue : options.Examinees;
        long claimed = 0;
        await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(_ => Task.Run(async () =>
        {
            long claim;
            while (!context.NoMoreExams.IsCancellationRequested && (claim = Interlocked.Increment(ref claimed)) <= limit && Stopwatch.GetTimestamp() < stopAt)
            {
                if (context.NextPracticeStudent(claim) is { } student)
                {
                    await student.PracticeAsync(options.Subject, options.PracticeSize, stopAt, cancellationToken);
                    continue;
                }
                var examinee = context.NewExaminee(options.MaxItems);
                if (await examinee.TakeExamAsync(stopAt, cancellationToken) && options.PracticeShare > 0) context.Graduates.Add(examinee.StudentId, examinee.Ability);
            }
        }, cancellationToken)));
    }
}
