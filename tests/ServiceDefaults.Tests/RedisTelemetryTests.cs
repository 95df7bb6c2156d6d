using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace ServiceDefaults.Tests;

public sealed class RedisTelemetryTests
{
    [Fact]
    public void CallSpanCarriesTheDatabaseAttributes()
    {
        var stopped = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RedisTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                // Other tests' health checks PING concurrently through the same ActivitySource.
                lock (stopped)
                {
                    if (activity.DisplayName.Contains("exam.lock_load"))
                    {
                        stopped.Add(activity);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var connection = ConnectionMultiplexer.Connect("127.0.0.1:1,abortConnect=false,connectTimeout=200");

        using (RedisTelemetry.StartCall(connection, "EVALSHA exam.lock_load"))
        {
        }

        var span = Assert.Single(stopped);
        Assert.Equal("redis EVALSHA exam.lock_load", span.DisplayName);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("redis", span.GetTagItem("db.system.name"));
        Assert.Equal("127.0.0.1", span.GetTagItem("server.address"));
        Assert.Equal(1, span.GetTagItem("server.port"));
    }
}
