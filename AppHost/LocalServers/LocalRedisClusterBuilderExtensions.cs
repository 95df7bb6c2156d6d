using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.Versioning;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace AppHost.LocalServers;

/// <summary>Declares <see cref="LocalRedisClusterResource"/>.</summary>
public static class LocalRedisClusterBuilderExtensions
{
    // How long a master may be unreachable before its replica takes over (redis.conf default: 15 s). Short, because every
    // request for that master's slots fails until then; long enough that a busy 2-core machine does not fail over by
    // mistake.
    private const int NodeTimeoutMilliseconds = 2000;

    private static readonly TimeSpan FormTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A Redis Cluster of <paramref name="masters"/> masters with <paramref name="replicasPerMaster"/> replicas each, as
    /// local <c>redis-server</c> processes (<c>{name}-node0</c>, …) on loopback, each with a client port and a cluster
    /// bus port Aspire allocates and the shared password from its 0600 config file. Once every node runs, the AppHost
    /// joins them with <c>redis-cli --cluster create</c> (password in <c>REDISCLI_AUTH</c>, never on the command line);
    /// the cluster resource is healthy while every node that answers reports <c>cluster_state:ok</c>. Every AppHost run
    /// forms a new cluster (the hot state is rebuilt from PostgreSQL); a node restarted within a run rejoins with the
    /// cluster configuration it wrote.
    /// </summary>
    [UnsupportedOSPlatform("windows")]
    public static IResourceBuilder<LocalRedisClusterResource> AddLocalRedisCluster(
        this IDistributedApplicationBuilder builder, string name, int masters, int replicasPerMaster, string reason)
    {
        var redisServer = LocalServerFiles.FindOnPath("redis-server");
        var redisCli = LocalServerFiles.FindOnPath("redis-cli");
        if (redisServer is null || redisCli is null)
        {
            throw new DistributedApplicationException(
                "A Redis Cluster runs redis-server and redis-cli, which are not on PATH. Install Redis with: apt-get install -y redis-server");
        }

        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var cluster = new LocalRedisClusterResource(name, password, masters, replicasPerMaster);
        var startedOnce = new HashSet<string>();
        for (var n = 0; n < masters * (1 + replicasPerMaster); n++)
        {
            var directory = LocalServerFiles.ResourceDirectory(builder, Path.Combine(name, $"node{n}"));
            var node = new LocalRedisResource($"{name}-node{n}", redisServer, directory, password);
            var configFile = Path.Combine(directory, "redis.conf");
            cluster.Nodes.Add(node);
            builder.AddResource(node)
                .WithEndpoint(scheme: "tcp", name: LocalRedisResource.PrimaryEndpointName, isProxied: false)
                .WithEndpoint(scheme: "tcp", name: "bus", isProxied: false)
                .WithArgs(context =>
                {
                    context.Args.Add(configFile);
                    context.Args.Add("--port");
                    context.Args.Add(node.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
                    context.Args.Add("--cluster-port");
                    context.Args.Add(new EndpointReference(node, "bus").Property(EndpointProperty.TargetPort));
                })
                .WithParentRelationship(cluster)
                .WithInitialState(LocalServerResources.InitialSnapshot("Redis", $"{redisServer} (cluster node)", reason))
                .WithIconName("Memory")
                .OnBeforeResourceStarted(async (resource, _, cancellationToken) =>
                {
                    var secret = await resource.PasswordParameter.GetValueAsync(cancellationToken)
                        ?? throw new DistributedApplicationException($"Parameter '{resource.PasswordParameter.Name}' has no value.");
                    // A replica authenticates to its master with the same password.
                    LocalServerFiles.WriteSecretFile(configFile, LocalRedisBuilderExtensions.RedisServerConfig(secret, directory,
                        "cluster-enabled yes", "cluster-config-file nodes.conf", $"cluster-node-timeout {NodeTimeoutMilliseconds}",
                        $"masterauth {secret}"));
                    // The first start of a run begins a new cluster; a restart keeps the node's place in this run's cluster.
                    lock (startedOnce)
                    {
                        if (startedOnce.Add(resource.Name)) File.Delete(Path.Combine(directory, "nodes.conf"));
                    }
                });
        }

        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheck, _ => new RedisClusterHealthCheck(cluster), null, null));
        builder.Eventing.Subscribe<BeforeStartEvent>((e, cancellationToken) =>
        {
            var stopping = e.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            _ = FormAndWatchAsync(cluster, redisCli, e.Services, stopping);
            return Task.CompletedTask;
        });

        return builder.AddResource(cluster)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "Redis Cluster",
                State = KnownResourceStates.Starting,
                Properties = ImmutableArray.Create(
                    new ResourcePropertySnapshot("Hosting", $"local processes: {masters} masters × {1 + replicasPerMaster} ({reason})")),
            })
            .WithIconName("Memory")
            .WithHealthCheck(healthCheck);
    }

    // Joins the nodes once all run, then keeps the cluster's state in line with its nodes': running while any runs.
    private static async Task FormAndWatchAsync(LocalRedisClusterResource cluster, string redisCli, IServiceProvider services, CancellationToken stopping)
    {
        var notifications = services.GetRequiredService<ResourceNotificationService>();
        var logger = services.GetRequiredService<ResourceLoggerService>().GetLogger(cluster);
        try
        {
            foreach (var node in cluster.Nodes) await notifications.WaitForResourceAsync(node.Name, KnownResourceStates.Running, stopping);
            await FormAsync(cluster, redisCli, logger, stopping);
            await notifications.PublishUpdateAsync(cluster, snapshot => snapshot with { State = KnownResourceStates.Running, StartTimeStamp = DateTime.UtcNow });

            var nodeNames = cluster.Nodes.Select(node => node.Name).ToHashSet();
            var ended = new HashSet<string>();
            await foreach (var change in notifications.WatchAsync(stopping))
            {
                if (!nodeNames.Contains(change.Resource.Name)) continue;
                var terminal = change.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state);
                if (!(terminal ? ended.Add(change.Resource.Name) : ended.Remove(change.Resource.Name))) continue;
                var allEnded = ended.Count == nodeNames.Count;
                await notifications.PublishUpdateAsync(cluster, snapshot => snapshot with
                {
                    State = allEnded ? KnownResourceStates.Exited : KnownResourceStates.Running,
                    StopTimeStamp = allEnded ? DateTime.UtcNow : null,
                });
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception error)
        {
            logger.LogError(error, "The Redis Cluster could not be formed");
            await notifications.PublishUpdateAsync(cluster, snapshot => snapshot with { State = KnownResourceStates.FailedToStart });
        }
    }

    // redis-cli retries are for nodes that run but do not listen yet.
    private static async Task FormAsync(LocalRedisClusterResource cluster, string redisCli, ILogger logger, CancellationToken stopping)
    {
        var secret = await cluster.PasswordParameter.GetValueAsync(stopping)
            ?? throw new DistributedApplicationException($"Parameter '{cluster.PasswordParameter.Name}' has no value.");
        var start = new ProcessStartInfo(redisCli)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["REDISCLI_AUTH"] = secret },
        };
        foreach (var argument in new[] { "--cluster", "create" }) start.ArgumentList.Add(argument);
        foreach (var node in cluster.Nodes) start.ArgumentList.Add($"127.0.0.1:{node.PrimaryEndpoint.TargetPort}");
        foreach (var argument in new[] { "--cluster-replicas", cluster.ReplicasPerMaster.ToString(System.Globalization.CultureInfo.InvariantCulture), "--cluster-yes" })
        {
            start.ArgumentList.Add(argument);
        }

        var watch = Stopwatch.StartNew();
        while (true)
        {
            using var process = Process.Start(start) ?? throw new DistributedApplicationException($"Could not start {redisCli}.");
            var output = process.StandardOutput.ReadToEndAsync(stopping);
            var errors = process.StandardError.ReadToEndAsync(stopping);
            await process.WaitForExitAsync(stopping);
            var text = (await output + await errors).Trim();
            if (process.ExitCode == 0)
            {
                logger.LogInformation("Formed the cluster in {Seconds:F1} s: {Masters} masters, {Replicas} replica(s) each", watch.Elapsed.TotalSeconds,
                    cluster.Masters, cluster.ReplicasPerMaster);
                foreach (var line in text.Split('\n').Where(line => line.StartsWith("[OK]", StringComparison.Ordinal) || line.StartsWith("M:", StringComparison.Ordinal)
                    || line.StartsWith("S:", StringComparison.Ordinal)))
                {
                    logger.LogInformation("{Line}", line.TrimEnd());
                }

                return;
            }

            if (watch.Elapsed > FormTimeout) throw new DistributedApplicationException($"redis-cli --cluster create failed for {FormTimeout.TotalSeconds:F0} s: {text}");
            await Task.Delay(250, stopping);
        }
    }

    /// <summary>
    /// Healthy while at least one node answers and every node that answers reports <c>cluster_state:ok</c>. Aspire runs it
    /// once the cluster is Running, when the nodes' endpoints (its connection string) are known; nobody raises
    /// <c>ConnectionStringAvailableEvent</c> for a resource the orchestrator does not start itself.
    /// </summary>
    private sealed class RedisClusterHealthCheck(LocalRedisClusterResource cluster) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var options = ConfigurationOptions.Parse(await cluster.ConnectionStringExpression.GetValueAsync(cancellationToken) ?? "");
            options.AbortOnConnectFail = false;
            options.ConnectTimeout = 2000;
            options.AllowAdmin = true;
            try
            {
                await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
                var answering = redis.GetServers().Where(server => server.IsConnected).ToArray();
                if (answering.Length == 0) return HealthCheckResult.Unhealthy("No cluster node answers.");
                foreach (var server in answering)
                {
                    var info = (string?)await server.ExecuteAsync("CLUSTER", "INFO");
                    if (info?.Contains("cluster_state:ok", StringComparison.Ordinal) != true)
                        return HealthCheckResult.Unhealthy($"{server.EndPoint} reports the cluster is not ok.");
                }

                return HealthCheckResult.Healthy($"{answering.Length} of {redis.GetEndPoints().Length} nodes answer; cluster_state ok");
            }
            catch (Exception error) when (error is RedisException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy(error.Message, error);
            }
        }
    }
}
