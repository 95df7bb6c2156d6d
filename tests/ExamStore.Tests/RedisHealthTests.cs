using System.Diagnostics;
using ExamStore.HotState;
using StackExchange.Redis;

namespace ExamStore.Tests;

/// <summary>The client setting the Redis fallback relies on, against a port nothing listens on.</summary>
public sealed class RedisHealthTests
{
    [Fact]
    public async Task WithTheClientSettingACommandFailsAtOnceWhileDisconnected()
    {
        // Left alone, StackExchange.Redis 2.x would hold the PING in its backlog for the 5 s async timeout.
        var options = ConfigurationOptions.Parse("127.0.0.1:1,abortConnect=false,connectTimeout=200,connectRetry=1");
        RedisHealth.ConfigureClient(options);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(options);

        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => connection.GetDatabase().PingAsync());

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"PING failed after {watch.Elapsed.TotalMilliseconds:F0} ms");
        // The callers' fallback catches it.
        Assert.True(RedisHealth.IsRedisFailure(error));
    }
}
