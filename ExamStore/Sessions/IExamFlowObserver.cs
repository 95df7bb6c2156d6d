namespace ExamStore.Sessions;

/// <summary>
/// Hears the events of the exam flows that a service counts but cannot see from outside: the hot state rebuilt from
/// Postgres, and an answer that had to wait for another request's submission lock. ExamApi's metrics implement it.
/// </summary>
public interface IExamFlowObserver
{
    /// <summary>A session's hot state was rebuilt from Postgres (missing in Redis, or Redis unreachable), taking <paramref name="duration"/>.</summary>
    void HotStateRebuilt(bool redisAvailable, TimeSpan duration);

    /// <summary>An answer found the session's submission lock held by another request.</summary>
    void LockContended();
}

/// <summary>The observer of services that do not count these events.</summary>
public sealed class NoExamFlowObserver : IExamFlowObserver
{
    /// <inheritdoc/>
    public void HotStateRebuilt(bool redisAvailable, TimeSpan duration)
    {
    }

    /// <inheritdoc/>
    public void LockContended()
    {
    }
}
