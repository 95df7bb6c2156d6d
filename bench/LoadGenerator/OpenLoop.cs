using System.Collections.Concurrent;
using System.Diagnostics;

namespace LoadGenerator;

/// <summary>What the open loop scheduled and how well the session pool kept up.</summary>
/// <param name="Rate">Answers per second asked for.</param>
/// <param name="Scheduled">Answers scheduled (rate × duration).</param>
/// <param name="Seconds">From the first scheduled answer until the last answer came back.</param>
/// <param name="PoolSize">Active sessions kept ready.</param>
/// <param name="Starved">Scheduled answers that found no idle session and waited for one (the wait counts as latency).</param>
public sealed record OpenLoopSummary(double Rate, long Scheduled, double Seconds, int PoolSize, long Starved);

/// <summary>
/// Open loop: answers are scheduled at fixed intervals (1 / rate) whatever the server's latency, each sent from an
/// idle active session of a pool that is filled before the clock starts and topped up as exams finish. Latency is
/// measured from the scheduled time, so a slow server cannot hold the schedule back (no coordinated omission).
/// The first <c>settle</c> seconds run at the same rate but are not counted: the figures describe the steady state,
/// not the pool's start (every session at its first item at once).
/// </summary>
internal static class OpenLoop
{
    public static async Task<OpenLoopSummary> RunAsync(LoadContext context, TimeSpan settle, Func<Task> measuring, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var rate = options.Rate ?? throw new InvalidOperationException("The open loop needs a rate.");
        var poolSize = options.OpenSessions ?? LoadOptions.DefaultOpenSessions;
        var idle = new IdleSessions(options.Seed);
        var replacements = new ConcurrentBag<Task>();
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Students of the first pool leave after a uniform random number of answers: the pool then starts with the
        // spread of progress it has in steady state, instead of every session finishing (and restarting) together.
        var leave = new Random(options.Seed);
        await FillAsync(context, idle, poolSize, () => leave.Next(1, options.MaxItems + 1), cancellationToken);
        var start = Stopwatch.GetTimestamp();
        var measured = start + (long)(settle.TotalSeconds * Stopwatch.Frequency);
        var end = measured + (long)(options.Duration.TotalSeconds * Stopwatch.Frequency);
        var inFlight = new List<Task>();
        long scheduled = 0;
        long? scheduledBefore = settle > TimeSpan.Zero ? null : 0;
        while (true)
        {
            var due = start + (long)(scheduled * Stopwatch.Frequency / rate);
            if (due >= end) break;
            if (scheduledBefore is null && due >= measured)
            {
                scheduledBefore = scheduled;
                context.Metrics.Reset();
                await measuring();
            }
            var now = Stopwatch.GetTimestamp();
            if (due > now)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, (due - now) * 1000.0 / Stopwatch.Frequency)), cancellationToken);
                continue;
            }

            inFlight.Add(Task.Run(() => DispatchAsync(due), drain.Token));
            scheduled++;
            if (inFlight.Count >= 4096) inFlight.RemoveAll(t => t.IsCompleted);
        }

        // Answers still waiting for a session or a response get the retry window, then are abandoned.
        drain.CancelAfter(options.RetryFor + options.RequestTimeout);
        await WhenAllSettled(inFlight);
        var seconds = (Stopwatch.GetTimestamp() - measured) / (double)Stopwatch.Frequency;
        await WhenAllSettled(replacements);

        await Parallel.ForEachAsync(idle.TakeAll(), new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken },
            async (examinee, token) => await examinee.PersistAsync(Examinee.Complete, token));
        return new OpenLoopSummary(rate, scheduled - (scheduledBefore ?? 0), seconds, poolSize, context.Metrics.PoolStarved);

        async Task DispatchAsync(long due)
        {
            var examinee = idle.TryTake();
            if (examinee is null)
            {
                context.Metrics.Starved();
                examinee = await idle.TakeAsync(drain.Token);
            }

            var outcome = await examinee.AnswerAsync(due, drain.Token);
            if (outcome == StepOutcome.Transient || (outcome == StepOutcome.Succeeded && !examinee.Finished))
            {
                // A refused answer is sent again, unchanged, at a later tick.
                idle.Return(examinee);
                return;
            }

            await examinee.PersistAsync(Examinee.Complete, drain.Token);
            // Replaced while answers are still scheduled or waiting for a session; afterwards the pool may shrink.
            if (Stopwatch.GetTimestamp() < end || idle.Waiting > 0) replacements.Add(FillAsync(context, idle, 1, () => null, drain.Token));
        }
    }

    private static Task FillAsync(LoadContext context, IdleSessions idle, int count, Func<int?> leaveAfter, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(Enumerable.Range(0, count).Select(_ => leaveAfter()).ToArray(),
            new ParallelOptions { MaxDegreeOfParallelism = context.Options.Concurrency, CancellationToken = cancellationToken },
            async (leave, token) =>
            {
                var examinee = context.NewExaminee(context.Options.MaxItems, leave);
                if (await examinee.PersistAsync(Examinee.Start, token)) idle.Return(examinee);
            });

    private static async Task WhenAllSettled(IEnumerable<Task> tasks)
    {
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (OperationCanceledException)
        {
            // Abandoned at the end of the drain window; the report's counts say what was acknowledged.
        }
    }
}
