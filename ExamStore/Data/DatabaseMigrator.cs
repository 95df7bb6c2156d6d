using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ExamStore.Data;

/// <summary>
/// Applies the SQL migrations embedded in this assembly (<c>Data/Migrations/NNNN_name.sql</c>) in order, each in its own
/// transaction, under a Postgres advisory lock so that concurrent starters never race; applied migrations are recorded
/// with a checksum, and an edited migration that was already applied is refused.
/// </summary>
public sealed class DatabaseMigrator(NpgsqlDataSource dataSource, ILogger<DatabaseMigrator> logger)
{
    // Any fixed number shared by every service; it only has to differ from other advisory locks of this database.
    private const long AdvisoryLockKey = 0x45_78_61_6D_44_42; // "ExamDB"
    private const string ResourcePrefix = "ExamStore.Migrations.";

    /// <summary>The migrations shipped with this build, in the order they apply.</summary>
    public static IReadOnlyList<Migration> Shipped { get; } = LoadShipped();

    /// <summary>Applies every shipped migration that the database has not recorded; returns how many were applied.</summary>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Execute(connection, $"SELECT pg_advisory_lock({AdvisoryLockKey})", cancellationToken);
        try
        {
            await Execute(connection, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, cancellationToken);
            var applied = new Dictionary<int, string>();
            await using (var command = new NpgsqlCommand("SELECT version, checksum FROM schema_migrations", connection))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken)) applied[reader.GetInt32(0)] = reader.GetString(1);
            }

            var count = 0;
            foreach (var migration in Shipped)
            {
                if (applied.TryGetValue(migration.Version, out var checksum))
                {
                    if (checksum != migration.Checksum)
                        throw new InvalidOperationException($"Migration {migration.Version} ({migration.Name}) was changed after it was applied; add a new migration instead.");
                    continue;
                }
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using (var command = new NpgsqlCommand(migration.Sql, connection, transaction))
                {
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }
                await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", connection, transaction))
                {
                    record.Parameters.Add(new NpgsqlParameter { Value = migration.Version });
                    record.Parameters.Add(new NpgsqlParameter { Value = migration.Name });
                    record.Parameters.Add(new NpgsqlParameter { Value = migration.Checksum });
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Applied migration {Version} {Name}", migration.Version, migration.Name);
                count++;
            }
            return count;
        }
        finally
        {
            await Execute(connection, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
        }
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static Migration[] LoadShipped()
    {
        var assembly = typeof(DatabaseMigrator).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Select(name => Read(assembly, name))
            .OrderBy(m => m.Version)
            .ToArray();
    }

    private static Migration Read(Assembly assembly, string resource)
    {
        var fileName = resource[ResourcePrefix.Length..^".sql".Length];
        var separator = fileName.IndexOf('_', StringComparison.Ordinal);
        if (separator <= 0 || !int.TryParse(fileName[..separator], out var version))
            throw new InvalidOperationException($"Migration file '{fileName}.sql' must be named NNNN_description.sql.");
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var sql = reader.ReadToEnd();
        var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql)));
        return new Migration(version, fileName[(separator + 1)..], sql, checksum);
    }
}

/// <summary>One versioned SQL migration.</summary>
public sealed record Migration(int Version, string Name, string Sql, string Checksum);
