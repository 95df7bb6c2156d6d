using System.Diagnostics;
using System.Net;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Client spans for Redis round trips. StackExchange.Redis 1.x emits no activities of its own (its profiler API needs
/// per-request bookkeeping on the hot path), so code wraps each round trip it cares about, e.g. the lock+load script:
/// <c>using var span = RedisTelemetry.StartCall(redis, "EVALSHA exam.lock_load");</c>. Collected by AddServiceDefaults.
/// </summary>
public static class RedisTelemetry
{
    /// <summary>The ActivitySource the spans come from (the name OpenTelemetry's Redis instrumentation uses).</summary>
    public const string ActivitySourceName = "StackExchange.Redis";

    private static readonly ActivitySource Source = new(ActivitySourceName);

    /// <summary>
    /// Starts a client span named <c>redis {operation}</c> with the OpenTelemetry database attributes; null when nobody
    /// listens (then it costs one check). Dispose it when the call completes; mark failures with
    /// <see cref="Activity.SetStatus(ActivityStatusCode, string?)"/>.
    /// </summary>
    public static Activity? StartCall(IConnectionMultiplexer connection, string operation)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity($"redis {operation}", ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("db.system.name", "redis");
            activity.SetTag("db.operation.name", operation);
            if (connection.GetEndPoints().FirstOrDefault() is { } endpoint)
            {
                var (address, port) = endpoint switch
                {
                    DnsEndPoint dns => (dns.Host, dns.Port),
                    IPEndPoint ip => (ip.Address.ToString(), ip.Port),
                    _ => (endpoint.ToString(), 0),
                };
                activity.SetTag("server.address", address);
                activity.SetTag("server.port", port);
            }
        }

        return activity;
    }
}
