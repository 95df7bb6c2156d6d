namespace LoadGenerator;

/// <summary>
/// The open loop's idle active sessions. A scheduled answer takes one at random rather than the longest idle: in a
/// first-in first-out pool every session would answer once per round, all would reach their last item in the same
/// round, and their replacements would start in one burst.
/// </summary>
internal sealed class IdleSessions(int seed)
{
    private readonly List<Examinee> idle = [];
    private readonly Queue<TaskCompletionSource<Examinee>> waiters = new();
    private readonly Random random = new(seed);

    /// <summary>Scheduled answers waiting for a session.</summary>
    public int Waiting
    {
        get
        {
            lock (idle) return waiters.Count;
        }
    }

    /// <summary>Hands a session to a waiting answer, or makes it idle.</summary>
    public void Return(Examinee examinee)
    {
        while (true)
        {
            TaskCompletionSource<Examinee>? waiter;
            lock (idle)
            {
                if (!waiters.TryDequeue(out waiter))
                {
                    idle.Add(examinee);
                    return;
                }
            }
            // A waiter cancelled at the end of the drain window refuses it; try the next one.
            if (waiter.TrySetResult(examinee)) return;
        }
    }

    /// <summary>An idle session at random, or null when there is none.</summary>
    public Examinee? TryTake()
    {
        lock (idle)
        {
            if (idle.Count == 0) return null;
            var index = random.Next(idle.Count);
            var examinee = idle[index];
            idle[index] = idle[^1];
            idle.RemoveAt(idle.Count - 1);
            return examinee;
        }
    }

    /// <summary>The next session that becomes idle.</summary>
    public async Task<Examinee> TakeAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource<Examinee> waiter;
        lock (idle)
        {
            if (TryTake() is { } examinee) return examinee;
            waiter = new TaskCompletionSource<Examinee>(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Enqueue(waiter);
        }
        await using var registration = cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken));
        return await waiter.Task;
    }

    /// <summary>Removes and returns every idle session.</summary>
    public List<Examinee> TakeAll()
    {
        lock (idle)
        {
            var all = new List<Examinee>(idle);
            idle.Clear();
            return all;
        }
    }
}
