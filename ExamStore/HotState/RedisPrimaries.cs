using StackExchange.Redis;

namespace ExamStore.HotState;

/// <summary>
/// The servers that hold keys: the one Redis, or every master of a Redis Cluster. Keyspace-wide views (SCAN, INFO,
/// DBSIZE) ask each of them and add up; commands on keys go through <see cref="IDatabase"/>, which follows the slots.
/// </summary>
public static class RedisPrimaries
{
    /// <summary>The connected primaries; throws <see cref="RedisConnectionException"/> when none is connected.</summary>
    /// <remarks>
    /// In a cluster the masters are the nodes that serve slots in the cluster's own view (CLUSTER NODES): the client may
    /// know a node twice (by the name it was configured with and by the address the cluster announces) and learns roles
    /// late after a failover, so its per-server flags would count a master twice or a replica as a master.
    /// </remarks>
    public static IReadOnlyList<IServer> Of(IConnectionMultiplexer redis)
    {
        var connected = redis.GetServers().Where(server => server.IsConnected).ToArray();
        var cluster = connected.FirstOrDefault(server => server.ServerType == ServerType.Cluster)?.ClusterConfiguration;
        var primaries = cluster is null
            ? connected.Where(server => !server.IsReplica).ToArray()
            : cluster.Nodes.Where(node => !node.IsReplica && node.Slots.Count > 0 && node.EndPoint is not null)
                .Select(node => redis.GetServer(node.EndPoint!)).Where(server => server.IsConnected).ToArray();
        return primaries.Length > 0
            ? primaries
            : throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "No Redis primary is connected.");
    }

    /// <summary>Counts the keys matching <paramref name="pattern"/> on every primary with SCAN (incremental, never blocking Redis as KEYS would).</summary>
    public static async Task<long> CountKeysAsync(IConnectionMultiplexer redis, string pattern, CancellationToken cancellationToken = default)
    {
        long count = 0;
        foreach (var server in Of(redis))
        {
            await foreach (var _ in server.KeysAsync(pattern: pattern, pageSize: 1000).WithCancellation(cancellationToken)) count++;
        }

        return count;
    }
}
