using System.Diagnostics;

namespace LoadGenerator;

/// <summary>
/// Closed loop: <see cref="LoadOptions.Concurrency"/> examinees at a time, each taking a whole exam and the next one
/// starting when it completes, until <see cref="LoadOptions.Examinees"/> have run or <see cref="LoadOptions.Duration"/>
/// has passed, or <see cref="LoadContext.NoMoreExams"/> is cancelled. An exam still running at the deadline stops answering and is completed by its student.
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
            while (!context.NoMoreExams.IsCancellationRequested && Interlocked.Increment(ref claimed) <= limit && Stopwatch.GetTimestamp() < stopAt)
            {
                await TakeExamAsync(context.NewExaminee(options.MaxItems), stopAt, cancellationToken);
            }
        }, cancellationToken)));
    }

    private static async Task TakeExamAsync(Examinee examinee, long stopAt, CancellationToken cancellationToken)
    {
        if (!await examinee.PersistAsync(Examinee.Start, cancellationToken)) return;
        while (!examinee.Done && Stopwatch.GetTimestamp() < stopAt)
        {
            if (!await examinee.PersistAsync(Examinee.Answer, cancellationToken)) break;
        }
        await examinee.PersistAsync(Examinee.Complete, cancellationToken);
    }
}
