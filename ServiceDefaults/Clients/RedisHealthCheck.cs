using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace ServiceDefaults.Clients;

/// <summary>Healthy when the server answers PING over the shared connection.</summary>
internal sealed class RedisHealthCheck(IConnectionMultiplexer connection) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var span = RedisTelemetry.StartCall(connection, "PING");
        try
        {
            var latency = await connection.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy($"PING {latency.TotalMilliseconds:F1} ms");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            span?.SetStatus(ActivityStatusCode.Error, ex.Message);
            return new HealthCheckResult(context.Registration.FailureStatus, "Redis did not answer PING: " + ex.Message, ex);
        }
    }
}
