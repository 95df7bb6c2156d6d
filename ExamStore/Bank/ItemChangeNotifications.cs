using ExamStore.HotState;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ExamStore.Bank;

/// <summary>
/// Item change notifications over Redis pub/sub (channel <see cref="Channel"/>, message = subject). Every instance
/// subscribes and marks that subject's in-memory bank stale, so a change reaches running instances at once; when a
/// message is lost (Redis down, reconnect) the bank cache's periodic version check still catches up within seconds.
/// </summary>
public sealed partial class ItemChangeNotifications(
    IConnectionMultiplexer redis,
    ItemBankCache banks,
    RedisHealth redisHealth,
    ILogger<ItemChangeNotifications> logger) : IHostedService
{
    /// <summary>The pub/sub channel (<c>items:changed</c>, literal: not a pattern); each message is the name of a subject whose items changed.</summary>
    public static readonly RedisChannel Channel = RedisChannel.Literal("items:changed");

    private int _subscribed;

    /// <summary>
    /// Tells every instance (this one included, directly) that the subjects' items changed. Never throws: with Redis
    /// unreachable the other instances notice through their version check.
    /// </summary>
    public async Task PublishAsync(IEnumerable<string> subjects)
    {
        foreach (var subject in subjects.Distinct(StringComparer.Ordinal))
        {
            banks.Invalidate(subject);
            try
            {
                await redis.GetSubscriber().PublishAsync(Channel, subject);
            }
            catch (Exception error) when (RedisHealth.IsRedisFailure(error))
            {
                redisHealth.ReportFailure(error);
            }
        }
    }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionRestored += OnConnectionRestored;
        await SubscribeAsync();
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionRestored -= OnConnectionRestored;
        if (Interlocked.Exchange(ref _subscribed, 0) == 1)
        {
            try
            {
                await redis.GetSubscriber().UnsubscribeAsync(Channel);
            }
            catch (Exception error) when (RedisHealth.IsRedisFailure(error))
            {
                LogUnsubscribeFailed(error.Message);
            }
        }
    }

    private async Task SubscribeAsync()
    {
        if (Interlocked.CompareExchange(ref _subscribed, 1, 0) != 0) return;
        try
        {
            await redis.GetSubscriber().SubscribeAsync(Channel, (_, subject) => banks.Invalidate(subject));
        }
        catch (Exception error) when (RedisHealth.IsRedisFailure(error))
        {
            // Retried when the connection comes back; until then the version check keeps banks fresh.
            Interlocked.Exchange(ref _subscribed, 0);
            LogSubscribeFailed(error.Message);
        }
    }

    // Messages published while this instance was disconnected are lost: treat every bank as possibly stale.
    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        banks.Invalidate();
        _ = SubscribeAsync();
    }

    [LoggerMessage(LogLevel.Warning, "Could not subscribe to item change notifications ({Reason}); relying on the bank version check")]
    private partial void LogSubscribeFailed(string reason);

    [LoggerMessage(LogLevel.Debug, "Could not unsubscribe from item change notifications: {Reason}")]
    private partial void LogUnsubscribeFailed(string reason);
}

/// <summary>Registers <see cref="ItemChangeNotifications"/> as a singleton that also runs as a hosted service.</summary>
public static class ItemChangeNotificationsServiceCollectionExtensions
{
    /// <summary>Subscribes this instance's item banks to change notifications and makes the publisher injectable.</summary>
    public static IServiceCollection AddItemChangeNotifications(this IServiceCollection services)
    {
        services.AddSingleton<ItemChangeNotifications>();
        services.AddHostedService(provider => provider.GetRequiredService<ItemChangeNotifications>());
        return services;
    }
}
