using Npgsql;

namespace AppHost.Hosting.Resources;

/// <summary>
/// A database on a <see cref="PostgresServerResource"/>: created (<c>CREATE DATABASE</c>, "already exists" ignored) once
/// the server is healthy; healthy while a connection to it opens. It has no process of its own.
/// </summary>
public sealed class PostgresDatabaseResource : RunnableResource, IResourceWithConnectionString
{
    internal PostgresDatabaseResource(string name, string databaseName, PostgresServerResource server) : base(name)
    {
        DatabaseName = databaseName;
        Server = server;
        WaitsFor.Add(server);
    }

    /// <inheritdoc/>
    public override string Kind => "Database";

    /// <summary>The database's name on the server.</summary>
    public string DatabaseName { get; }

    /// <summary>The server the database lives on.</summary>
    public PostgresServerResource Server { get; }

    /// <inheritdoc/>
    public string? ConnectionString => Server.ConnectionString is null ? null : $"{Server.ConnectionString};Database={DatabaseName}";

    /// <inheritdoc/>
    public override string? Endpoint => Server.Endpoint is null ? null : $"{Server.Endpoint}/{DatabaseName}";

    /// <inheritdoc/>
    public IReadOnlyList<KeyValuePair<string, string>> ConnectionProperties =>
    [
        new("HOST", Server.HostName),
        new("PORT", Server.Port.ToString()),
        new("USERNAME", Server.UserName),
        new("PASSWORD", Server.Password ?? string.Empty),
        new("DATABASENAME", DatabaseName),
        new("URI", $"postgresql://{Uri.EscapeDataString(Server.UserName)}:{Uri.EscapeDataString(Server.Password ?? string.Empty)}@{Server.HostName}:{Server.Port}/{DatabaseName}"),
    ];

    internal override bool LaunchesProcess => false;

    internal override async Task<Processes.ManagedProcess?> LaunchAsync(HostingContext context, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(Server.AdminConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"CREATE DATABASE \"{DatabaseName.Replace("\"", "\"\"")}\"";
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
            Log.Append($"created database {DatabaseName}");
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            Log.Append($"database {DatabaseName} already exists");
        }

        return null;
    }

    internal override async Task<HealthCheckOutcome> CheckHealthAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(Server.AdminConnectionString(DatabaseName));
            await connection.OpenAsync(cancellationToken);
            return HealthCheckOutcome.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException)
        {
            return HealthCheckOutcome.Unhealthy(ex.Message);
        }
    }
}
