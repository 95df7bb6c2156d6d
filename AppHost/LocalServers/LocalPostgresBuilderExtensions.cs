using System.Runtime.Versioning;
using Aspire.Hosting.Publishing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace AppHost.LocalServers;

/// <summary>Declares <see cref="LocalPostgresResource"/> and its databases.</summary>
public static class LocalPostgresBuilderExtensions
{
    /// <summary>
    /// Configuration key: false runs PostgreSQL without fsync, synchronous commits and full-page writes (throwaway test
    /// clusters only). Default true: every commit is on disk before the API acknowledges an answer.
    /// </summary>
    public const string DurableKey = "AppHost:DurablePostgres";

    /// <summary>
    /// Configuration key: the folder of the PostgreSQL server to run (initdb, postgres); default the one on PATH, else the
    /// newest under /usr/lib/postgresql.
    /// </summary>
    public const string BinDirectoryKey = "AppHost:PostgresBinDirectory";

    /// <summary>
    /// PostgreSQL as a local process: <c>initdb</c> once into <c>{AppHost:DataDirectory}/{name}/data</c>, then
    /// <c>postgres</c> on loopback and a port Aspire allocates, as the <c>postgres</c> user when the AppHost runs as root.
    /// The password is generated on the first run and kept beside the data (0600), because data and password belong
    /// together; <c>Parameters:{name}-password</c> overrides it. Healthy once a login succeeds.
    /// </summary>
    [UnsupportedOSPlatform("windows")]
    public static IResourceBuilder<LocalPostgresResource> AddLocalPostgres(this IDistributedApplicationBuilder builder, string name, string reason)
    {
        var root = LocalServerFiles.ResourceDirectory(builder, name);
        var passwordName = $"{name}-password";
        var passwordFile = Path.Combine(root, "password");
        var password = builder.AddParameter(passwordName, new PasswordFileDefault(passwordFile), secret: true);
        var script = Path.Combine(builder.AppHostDirectory, "LocalServers", "postgres-server.sh");
        var resource = new LocalPostgresResource(name, LocalServerFiles.FindOnPath("bash") ?? "/bin/bash", root, password.Resource);
        var durable = builder.Configuration.GetValue(DurableKey, true);
        var binDirectory = builder.Configuration[BinDirectoryKey] is { Length: > 0 } configured ? configured : null;
        LocalPostgresServer? server = null;
        var passwordConfigured = !string.IsNullOrEmpty(builder.Configuration[$"Parameters:{passwordName}"]);

        var connectionString = LocalServerResources.ConnectionStringOnceAvailable(builder, resource);
        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().AddNpgSql(_ => connectionString() + ";Database=postgres", name: healthCheck);

        return builder.AddResource(resource)
            .WithEndpoint(scheme: "tcp", name: LocalPostgresResource.PrimaryEndpointName, isProxied: false)
            .WithArgs(context =>
            {
                // Evaluated when the process starts, after the preparation below has found the server.
                var prepared = server ?? throw new InvalidOperationException($"'{name}' was not prepared.");
                context.Args.Add(script);
                context.Args.Add(prepared.BinDirectory);
                context.Args.Add(root);
                context.Args.Add(resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add(durable ? "durable" : "fast");
                context.Args.Add(prepared.User);
            })
            .WithInitialState(LocalServerResources.InitialSnapshot("PostgreSQL", "postgres", reason))
            .WithIconName("DatabaseMultiple")
            .WithHealthCheck(healthCheck)
            .OnBeforeResourceStarted(async (postgres, e, cancellationToken) =>
            {
                var value = await postgres.PasswordParameter.GetValueAsync(cancellationToken)
                    ?? throw new DistributedApplicationException($"Parameter '{passwordName}' has no value.");
                if (!postgres.IsInitialized || (passwordConfigured && !File.Exists(passwordFile)))
                {
                    // initdb takes the password from this file; configured for existing data, the setting is the user's word.
                    LocalServerFiles.WriteSecretFile(passwordFile, value);
                }
                else if (!File.Exists(passwordFile))
                {
                    throw new DistributedApplicationException(
                        $"{Path.Combine(root, "data")} holds data but its password file {passwordFile} is missing: set Parameters:{passwordName} " +
                        $"to the password the data was initialized with, or delete {root} to start over.");
                }

                var log = e.Services.GetRequiredService<ResourceLoggerService>().GetLogger(postgres);
                server = await LocalPostgresSetup.PrepareAsync(postgres, binDirectory, durable, log, cancellationToken);
            })
            .OnResourceReady(CreateDatabasesAsync);
    }

    /// <summary>
    /// A database on the server, created when the server is first ready (kept from then on with the data). Aspire mirrors a
    /// parent's state onto its child databases only for container parents, so this one mirrors it itself: without it the
    /// database would stay stateless, its health check would never run, and <c>WaitFor</c> on it would hang.
    /// </summary>
    public static IResourceBuilder<LocalPostgresDatabaseResource> AddDatabase(
        this IResourceBuilder<LocalPostgresResource> server, string name, string? databaseName = null)
    {
        var builder = server.ApplicationBuilder;
        var database = new LocalPostgresDatabaseResource(name, databaseName ?? name, server.Resource);
        server.Resource.Databases.Add(database);

        var connectionString = LocalServerResources.ConnectionStringOnceAvailable(builder, database);
        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().AddNpgSql(_ => connectionString(), name: healthCheck);

        builder.Eventing.Subscribe<BeforeStartEvent>((e, cancellationToken) =>
        {
            var notifications = e.Services.GetRequiredService<ResourceNotificationService>();
            var stopping = e.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            _ = MirrorStateAsync(notifications, server.Resource, database, stopping);
            return Task.CompletedTask;
        });

        return builder.AddResource(database)
            .WithInitialState(new CustomResourceSnapshot { ResourceType = "PostgreSQL database", Properties = [] })
            .WithIconName("Database")
            .WithHealthCheck(healthCheck);
    }

    private static async Task MirrorStateAsync(
        ResourceNotificationService notifications, LocalPostgresResource server, LocalPostgresDatabaseResource database, CancellationToken stopping)
    {
        try
        {
            await foreach (var change in notifications.WatchAsync(stopping))
            {
                if (!ReferenceEquals(change.Resource, server)) continue;
                await notifications.PublishUpdateAsync(database, snapshot => snapshot with
                {
                    State = change.Snapshot.State,
                    StartTimeStamp = change.Snapshot.StartTimeStamp,
                    StopTimeStamp = change.Snapshot.StopTimeStamp,
                    ExitCode = change.Snapshot.ExitCode,
                });
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private static async Task CreateDatabasesAsync(LocalPostgresResource server, ResourceReadyEvent e, CancellationToken cancellationToken)
    {
        var connectionString = await server.ConnectionStringExpression.GetValueAsync(cancellationToken);
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        foreach (var database in server.Databases)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"CREATE DATABASE {new NpgsqlCommandBuilder().QuoteIdentifier(database.DatabaseName)}";
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException exists) when (exists.SqlState == PostgresErrorCodes.DuplicateDatabase)
            {
                // Created by an earlier run: the data folder is kept between runs.
            }
        }
    }

    /// <summary>
    /// The password of the data folder: read back from its file on every later run, generated only for a new folder (the
    /// AppHost writes it there before <c>initdb</c> runs). A new password against old data is the "28P01 password
    /// authentication failed" every Aspire user meets once.
    /// </summary>
    private sealed class PasswordFileDefault(string path) : ParameterDefault
    {
        private static readonly GenerateParameterDefault Generated = new() { MinLength = 22, Special = false };

        public override string GetDefaultValue() => File.Exists(path) ? File.ReadAllText(path).Trim() : Generated.GetDefaultValue();

        public override void WriteToManifest(ManifestPublishingContext context) => Generated.WriteToManifest(context);
    }
}
