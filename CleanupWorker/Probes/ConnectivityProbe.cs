using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace CleanupWorker.Probes;

/// <summary>How often <see cref="ConnectivityProbe"/> runs (configuration section <c>CleanupWorker:Probe</c>).</summary>
internal sealed class ConnectivityProbeOptions
{
    public const string SectionName = "CleanupWorker:Probe";

    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Placeholder for the cleanup sweep (issue 4): periodically touches Redis and PostgreSQL the way the sweep will,
/// and logs when either is unreachable, so the worker's loop, logging and connections are exercised from day one.
/// </summary>
internal sealed partial class ConnectivityProbe(
    IConnectionMultiplexer redis,
    NpgsqlDataSource database,
    IOptions<ConnectivityProbeOptions> options,
    ILogger<ConnectivityProbe> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval);
        do
        {
            await ProbeAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            var latency = await redis.GetDatabase().PingAsync();
            LogRedisReachable(latency.TotalMilliseconds);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogRedisUnreachable(ex.Message);
        }

        try
        {
            await using var command = database.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            LogDatabaseReachable();
        }
        catch (NpgsqlException ex)
        {
            LogDatabaseUnreachable(ex.Message);
        }
    }

    [LoggerMessage(LogLevel.Debug, "Redis reachable (PING {LatencyMs:F1} ms)")]
    private partial void LogRedisReachable(double latencyMs);

    [LoggerMessage(LogLevel.Warning, "Redis unreachable: {Reason}")]
    private partial void LogRedisUnreachable(string reason);

    [LoggerMessage(LogLevel.Debug, "PostgreSQL reachable")]
    private partial void LogDatabaseReachable();

    [LoggerMessage(LogLevel.Warning, "PostgreSQL unreachable: {Reason}")]
    private partial void LogDatabaseUnreachable(string reason);
}
