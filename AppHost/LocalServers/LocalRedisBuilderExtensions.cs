using System.Diagnostics;
using System.Runtime.Versioning;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AppHost.LocalServers;

/// <summary>Declares <see cref="LocalRedisResource"/>.</summary>
public static class LocalRedisBuilderExtensions
{
    /// <summary>
    /// Redis as a local process: <c>redis-server</c> from PATH, else Garnet (the repository's pinned dotnet tool), on
    /// loopback and a port Aspire allocates, password from a 0600 config file in <c>{AppHost:DataDirectory}/{name}</c>
    /// (never on the command line), no persistence: the hot state is rebuilt from PostgreSQL. Healthy once it answers PING
    /// with the password.
    /// </summary>
    [UnsupportedOSPlatform("windows")]
    public static IResourceBuilder<LocalRedisResource> AddLocalRedis(this IDistributedApplicationBuilder builder, string name, string reason)
    {
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var directory = LocalServerFiles.ResourceDirectory(builder, name);
        var redisServer = LocalServerFiles.FindOnPath("redis-server");
        var resource = redisServer is not null
            ? new LocalRedisResource(name, redisServer, directory, password)
            : new LocalRedisResource(name, "dotnet", LocalServerFiles.RepositoryRoot(builder), password);
        var configFile = Path.Combine(directory, redisServer is not null ? "redis.conf" : "garnet-redis.conf");

        var connectionString = LocalServerResources.ConnectionStringOnceAvailable(builder, resource);
        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().AddRedis(_ => connectionString(), name: healthCheck);

        return builder.AddResource(resource)
            .WithEndpoint(scheme: "tcp", name: LocalRedisResource.PrimaryEndpointName, isProxied: false)
            .WithArgs(context =>
            {
                var port = resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort);
                if (redisServer is not null)
                {
                    context.Args.Add(configFile);
                }
                else
                {
                    foreach (var argument in new[] { "tool", "run", "garnet-server", "--", "--config-import-path", configFile,
                        "--config-import-format", "RedisConf", "--auth", "Password", "--lua" }) context.Args.Add(argument);
                }

                context.Args.Add("--port");
                context.Args.Add(port);
            })
            .WithInitialState(LocalServerResources.InitialSnapshot("Redis", redisServer ?? "Garnet (redis-server is not installed)", reason))
            .WithIconName("Memory")
            .WithHealthCheck(healthCheck)
            .OnBeforeResourceStarted(async (redis, e, cancellationToken) =>
            {
                var secret = await redis.PasswordParameter.GetValueAsync(cancellationToken)
                    ?? throw new DistributedApplicationException($"Parameter '{redis.PasswordParameter.Name}' has no value.");
                var logger = e.Services.GetRequiredService<ResourceLoggerService>().GetLogger(redis);
                if (redisServer is not null)
                {
                    LocalServerFiles.WriteSecretFile(configFile, RedisServerConfig(secret, directory));
                    return;
                }

                logger.LogWarning("redis-server is not on PATH; running Garnet instead. Install Redis with: apt-get install -y redis-server");
                LocalServerFiles.WriteSecretFile(configFile, string.Join('\n', "bind 127.0.0.1", $"requirepass {secret}", ""));
                await RestoreGarnetAsync(redis.WorkingDirectory, logger, cancellationToken);
            });
    }

    /// <summary>
    /// The config file of a <c>redis-server</c> of the graph: loopback only, the password, no persistence (the hot state is
    /// rebuilt from PostgreSQL), then <paramref name="more"/> lines.
    /// </summary>
    internal static string RedisServerConfig(string password, string directory, params string[] more) => string.Join('\n',
        ["bind 127.0.0.1 -::1", "protected-mode yes", $"requirepass {password}", "save \"\"", "appendonly no",
            $"dir {directory}", "daemonize no", .. more, ""]);

    // The first restore downloads the pinned tool (~116 MB); later ones are instant.
    private static async Task RestoreGarnetAsync(string repositoryRoot, ILogger logger, CancellationToken cancellationToken)
    {
        using var restore = Process.Start(new ProcessStartInfo("dotnet", "tool restore")
        {
            WorkingDirectory = repositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new DistributedApplicationException("Could not run 'dotnet tool restore' for Garnet.");
        var output = restore.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = restore.StandardError.ReadToEndAsync(cancellationToken);
        await restore.WaitForExitAsync(cancellationToken);
        foreach (var line in (await output + await errors).Split('\n', StringSplitOptions.RemoveEmptyEntries)) logger.LogInformation("{Line}", line);
        if (restore.ExitCode != 0)
        {
            throw new DistributedApplicationException(
                "redis-server is not installed and Garnet could not be restored ('dotnet tool restore' failed). " +
                "Install Redis (apt-get install -y redis-server) or run with a container runtime (AppHost:Servers=containers).");
        }
    }
}
