using ExamStore.Bank;
using ExamStore.Data;
using ExamStore.Sessions;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;
using System.Text.Json;

namespace ExamStore.HotState;

/// <summary>
/// Question content (text, topic, options; never the answer key): first from the bank snapshot's own in-process copy
/// (which goes away with the snapshot when the subject's items change), then from Redis, filled from Postgres on a miss
/// with a one-hour TTL. When Redis is unreachable it reads Postgres directly.
/// </summary>
public sealed class QuestionCache(IConnectionMultiplexer redis, HotStateOptions options, RedisHealth health)
{
    private long _hits;
    private long _misses;

    /// <summary>Share of Redis lookups that hit, since start (NaN before the first).</summary>
    public double HitRate
    {
        get
        {
            var hits = Interlocked.Read(ref _hits);
            var total = hits + Interlocked.Read(ref _misses);
            return total == 0 ? double.NaN : (double)hits / total;
        }
    }

    /// <summary>The question view of an item of <paramref name="snapshot"/>.</summary>
    public async ValueTask<QuestionView> GetAsync(ExamDbContext db, BankSnapshot snapshot, long itemId, CancellationToken cancellationToken)
    {
        if (snapshot.Questions.TryGetValue(itemId, out var known)) return known;
        var view = await ReadAsync(db, itemId, cancellationToken);
        snapshot.Questions.TryAdd(itemId, view);
        return view;
    }

    private async Task<QuestionView> ReadAsync(ExamDbContext db, long itemId, CancellationToken cancellationToken)
    {
        if (health.IsAvailable)
        {
            try
            {
                var cached = await redis.GetDatabase().StringGetAsync(SessionStateStore.QuestionKey(itemId));
                if (!cached.IsNull)
                {
                    Interlocked.Increment(ref _hits);
                    return JsonSerializer.Deserialize<QuestionView>((string)cached!, JsonOptions)!;
                }
            }
            catch (Exception error) when (RedisHealth.IsRedisFailure(error))
            {
                health.ReportFailure(error);
            }
        }
        Interlocked.Increment(ref _misses);
        var item = await db.Items.AsNoTracking().Where(i => i.Id == itemId)
            .Select(i => new QuestionView(i.Id, i.Topic, i.Content, i.Options))
            .SingleAsync(cancellationToken);
        if (health.IsAvailable)
        {
            try
            {
                await redis.GetDatabase().StringSetAsync(SessionStateStore.QuestionKey(itemId), JsonSerializer.Serialize(item, JsonOptions), options.QuestionTtl);
            }
            catch (Exception error) when (RedisHealth.IsRedisFailure(error))
            {
                health.ReportFailure(error);
            }
        }
        return item;
    }

    /// <summary>Drops cached questions after their items changed.</summary>
    public async Task ForgetAsync(IEnumerable<long> itemIds)
    {
        try
        {
            // One DEL per key, pipelined together: in a Redis Cluster the keys are in different slots, which one DEL refuses.
            var database = redis.GetDatabase();
            await Task.WhenAll(itemIds.Select(id => database.KeyDeleteAsync(SessionStateStore.QuestionKey(id))));
        }
        catch (Exception error) when (RedisHealth.IsRedisFailure(error))
        {
            health.ReportFailure(error);
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
}
