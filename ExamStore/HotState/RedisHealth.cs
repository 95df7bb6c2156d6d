using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ExamStore.HotState;

/// <summary>
/// Whether Redis is usable right now. After a failure the answer path skips Redis (serving from Postgres alone) until
/// the connection is back, instead of paying a timeout on every request.
/// </summary>
public sealed class RedisHealth(IConnectionMultiplexer redis, ILogger<RedisHealth> logger)
{
    private long _failedAtTicks;

    /// <summary>How long after a failure Redis is skipped before it is tried again while still connected.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>True when Redis should be used.</summary>
    public bool IsAvailable
    {
        get
        {
            if (!redis.IsConnected) return false;
            var failedAt = Interlocked.Read(ref _failedAtTicks);
            return failedAt == 0 || DateTime.UtcNow.Ticks - failedAt > RetryAfter.Ticks;
        }
    }

    /// <summary>Records a failed Redis call.</summary>
    public void ReportFailure(Exception error)
    {
        if (Interlocked.Exchange(ref _failedAtTicks, DateTime.UtcNow.Ticks) == 0)
            logger.LogWarning(error, "Redis call failed; serving from Postgres until it recovers");
    }

    /// <summary>Records a successful Redis call.</summary>
    public void ReportSuccess()
    {
        if (Interlocked.Exchange(ref _failedAtTicks, 0) != 0) logger.LogInformation("Redis is back");
    }

    /// <summary>
    /// The client setting this fallback relies on (pass it to Aspire's <c>AddRedisClient</c> as <c>configureOptions</c>):
    /// while disconnected, commands fail at once, as they did in StackExchange.Redis 1.x, instead of waiting in the 2.x
    /// backlog for the 5 s timeout. Calls that do not ask <see cref="IsAvailable"/> first (publishing item changes,
    /// monitoring, the health check's PING) then fail fast too.
    /// </summary>
    public static void ConfigureClient(ConfigurationOptions options) => options.BacklogPolicy = BacklogPolicy.FailFast;

    /// <summary>True for the exceptions that mean Redis is unreachable or refused the command.</summary>
    public static bool IsRedisFailure(Exception error) => error is RedisException or TimeoutException or ObjectDisposedException;
}
