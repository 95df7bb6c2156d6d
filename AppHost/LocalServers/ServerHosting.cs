using System.Diagnostics;
using System.Runtime.Versioning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AppHost.LocalServers;

/// <summary>
/// Where the graph's Redis and PostgreSQL run: Aspire's container resources (publishing, or a container runtime
/// answers), or the same resources as local processes. <c>AppHost:Servers</c> = <c>auto</c> (default),
/// <c>containers</c> or <c>processes</c>; <c>ConnectionStrings:cache</c> / <c>ConnectionStrings:examdb</c> use existing
/// servers instead. The choice is logged at start and shown on each resource in the dashboard.
/// </summary>
public sealed class ServerHosting
{
    /// <summary>Configuration key of the choice.</summary>
    public const string ModeKey = "AppHost:Servers";

    /// <summary>Configuration key: masters of a local Redis Cluster instead of one Redis (0, the default: one server).</summary>
    public const string ClusterMastersKey = "AppHost:RedisCluster:Masters";

    /// <summary>Configuration key: replicas of each master of that cluster (default 1, so a master that dies fails over).</summary>
    public const string ClusterReplicasKey = "AppHost:RedisCluster:ReplicasPerMaster";

    // The container images pinned to the servers the tests run as local processes (Debian 12: Redis 7.0, PostgreSQL 15),
    // so a published deployment runs what was tested.
    private const string RedisImageTag = "7.0";
    private const string PostgresImageTag = "15";

    private readonly IDistributedApplicationBuilder builder;

    private ServerHosting(IDistributedApplicationBuilder builder, bool useContainers, string reason)
    {
        this.builder = builder;
        UseContainers = useContainers;
        Reason = reason;
        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AppHost").LogInformation(
                "Redis and PostgreSQL run as {Hosting}: {Reason} ({Key} = auto | containers | processes)",
                UseContainers ? "containers" : "local processes", Reason, ModeKey);
            return Task.CompletedTask;
        });
    }

    /// <summary>True for Aspire's container resources, false for local processes.</summary>
    public bool UseContainers { get; }

    // Local processes need a Unix (bash, setpriv, Unix file modes); Choose refuses them on Windows.
    [UnsupportedOSPlatformGuard("windows")]
    private bool RunsLocalProcesses => !UseContainers && !OperatingSystem.IsWindows();

    /// <summary>Why, in a few words (logged, and shown in the dashboard).</summary>
    public string Reason { get; }

    /// <summary>Decides from configuration, the execution mode and, for <c>auto</c>, whether a container runtime answers.</summary>
    public static ServerHosting Choose(IDistributedApplicationBuilder builder)
    {
        var mode = builder.Configuration[ModeKey] ?? "auto";
        if (builder.ExecutionContext.IsPublishMode) return new(builder, true, "publishing describes containers");
        var hosting = mode.ToLowerInvariant() switch
        {
            "containers" => new ServerHosting(builder, true, $"{ModeKey} is 'containers'"),
            "processes" => new ServerHosting(builder, false, $"{ModeKey} is 'processes'"),
            "auto" => ContainerRuntimeAnswers(builder.Configuration, out var why) ? new(builder, true, why) : new(builder, false, why),
            _ => throw new DistributedApplicationException($"{ModeKey} is '{mode}'; expected auto, containers or processes."),
        };
        if (!hosting.UseContainers && OperatingSystem.IsWindows())
        {
            throw new DistributedApplicationException(
                $"Redis and PostgreSQL run as local processes on Linux and macOS only ({hosting.Reason}). Start a container runtime.");
        }

        return hosting;
    }

    /// <summary>
    /// The Redis resource <paramref name="name"/>: the existing server or cluster of <c>ConnectionStrings:{name}</c>, else a
    /// local Redis Cluster when <c>AppHost:RedisCluster:Masters</c> is set, else a container (image pinned to the Redis
    /// the tests run), else <c>redis-server</c> (or Garnet) as a local process.
    /// </summary>
    public IResourceBuilder<IResourceWithConnectionString> AddRedis(string name)
    {
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(name))) return builder.AddConnectionString(name);
        var masters = builder.Configuration.GetValue(ClusterMastersKey, 0);
        if (masters != 0)
        {
            var replicas = builder.Configuration.GetValue(ClusterReplicasKey, 1);
            if (masters is < 3 or > 16) throw new DistributedApplicationException($"{ClusterMastersKey} is {masters}; a Redis Cluster has 3 to 16 masters here (0: one server).");
            if (replicas is < 0 or > 2) throw new DistributedApplicationException($"{ClusterReplicasKey} is {replicas}; expected 0, 1 or 2.");
            if (!RunsLocalProcesses)
            {
                throw new DistributedApplicationException(
                    $"{ClusterMastersKey} starts a Redis Cluster of local processes ({Reason}). With containers or in a deployment, " +
                    $"point ConnectionStrings:{name} at a cluster instead (every node's host:port, comma-separated, and password=…).");
            }

            return builder.AddLocalRedisCluster(name, masters, replicas, Reason);
        }

        return RunsLocalProcesses
            ? builder.AddLocalRedis(name, Reason)
            : builder.AddRedis(name).WithImageTag(RedisImageTag);
    }

    /// <summary>
    /// The PostgreSQL server <paramref name="serverName"/> with the database <paramref name="databaseName"/>: the existing
    /// database of <c>ConnectionStrings:{databaseName}</c>, else a container with a data volume (image pinned to the
    /// PostgreSQL the tests run), else <c>postgres</c> as a local process with its data under <c>AppHost:DataDirectory</c>.
    /// </summary>
    public IResourceBuilder<IResourceWithConnectionString> AddPostgresDatabase(string serverName, string databaseName)
    {
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(databaseName))) return builder.AddConnectionString(databaseName);
        if (RunsLocalProcesses) return builder.AddLocalPostgres(serverName, Reason).AddDatabase(databaseName);

        var server = builder.AddPostgres(serverName).WithImageTag(PostgresImageTag);
        if (builder.ExecutionContext.IsRunMode) server.WithDataVolume();
        return server.AddDatabase(databaseName);
    }

    /// <summary>
    /// True when the configured runtime (<c>ASPIRE_CONTAINER_RUNTIME</c>, default docker) answers <c>info</c> within
    /// 5 s. Without this check a container resource stays "Runtime unhealthy" and whatever waits for it waits forever.
    /// </summary>
    private static bool ContainerRuntimeAnswers(IConfiguration configuration, out string reason)
    {
        var runtime = configuration["ASPIRE_CONTAINER_RUNTIME"] ?? configuration["DOTNET_ASPIRE_CONTAINER_RUNTIME"] ?? "docker";
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, "info --format {{.ServerVersion}}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null)
            {
                reason = $"'{runtime}' could not be started";
                return false;
            }

            if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                process.Kill(entireProcessTree: true);
                reason = $"'{runtime} info' did not answer within 5 s";
                return false;
            }

            if (process.ExitCode == 0)
            {
                reason = $"{runtime} {process.StandardOutput.ReadToEnd().Trim()} answered";
                return true;
            }

            var error = process.StandardError.ReadToEnd().Trim().Split('\n').LastOrDefault() ?? "";
            reason = $"no container runtime answered ('{runtime} info': {error})";
            return false;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            reason = $"no container runtime is installed ('{runtime}' is not on PATH)";
            return false;
        }
    }
}
