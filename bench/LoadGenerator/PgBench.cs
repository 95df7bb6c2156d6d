using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace LoadGenerator;

/// <summary>The machine's single-insert ceiling, measured by pgbench against the run's Postgres.</summary>
/// <param name="Tps">Transactions (single-row inserts) per second, pgbench's <c>tps = …</c>.</param>
/// <param name="Clients">Client connections (-c).</param>
/// <param name="Threads">pgbench threads (-j).</param>
/// <param name="Seconds">Duration (-T).</param>
/// <param name="Command">The command line (the password went in PGPASSWORD, never on it).</param>
/// <param name="Durability">The server's commit settings during the run (<c>fsync=on, synchronous_commit=on</c>): a
/// commit that waits for its flush costs several times more, so a ratio is only comparable at the same settings.</param>
public sealed record PgBenchResult(double Tps, int Clients, int Threads, int Seconds, string Command, string Durability);

/// <summary>
/// Runs bench/pgbench/single-insert.sql with pgbench (-n, 16 clients, 2 threads) against the target's Postgres, in a
/// table of its own (bench/pgbench/single-insert-setup.sql) that is dropped afterwards.
/// </summary>
public static partial class PgBench
{
    private const int Clients = 16;
    private const int Threads = 2;

    /// <summary>Runs pgbench for <paramref name="seconds"/> and returns its tps.</summary>
    public static async Task<PgBenchResult> RunAsync(string postgresConnectionString, int seconds, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seconds, 1);
        var settings = new NpgsqlConnectionStringBuilder(postgresConnectionString) { Pooling = false };
        await ExecuteAsync(settings.ConnectionString, Script("single-insert-setup.sql"), cancellationToken);
        var durability = await DurabilityAsync(settings.ConnectionString, cancellationToken);
        var scriptPath = Path.Combine(Path.GetTempPath(), $"loadgen-single-insert-{Guid.NewGuid():N}.sql");
        try
        {
            await File.WriteAllTextAsync(scriptPath, Script("single-insert.sql"), cancellationToken);
            var arguments = new[]
            {
                "-n", "-c", Invariant(Clients), "-j", Invariant(Threads), "-T", Invariant(seconds), "-f", scriptPath,
                "-h", settings.Host ?? "127.0.0.1", "-p", Invariant(settings.Port), "-U", settings.Username ?? "postgres", settings.Database ?? "postgres",
            };
            var start = new ProcessStartInfo(Executable())
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in arguments) start.ArgumentList.Add(argument);
            start.Environment["PGPASSWORD"] = settings.Password ?? string.Empty;

            using var process = Process.Start(start) ?? throw new InvalidOperationException("pgbench did not start.");
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(seconds + 60));
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            if (process.ExitCode != 0) throw new InvalidOperationException($"pgbench exited with {process.ExitCode}: {(await error).Trim()}");
            var tps = ParseTps(await output) ?? throw new InvalidOperationException($"pgbench printed no 'tps = ' line: {(await output).Trim()}");
            return new PgBenchResult(tps, Clients, Threads, seconds, "pgbench " + string.Join(' ', arguments).Replace(scriptPath, "bench/pgbench/single-insert.sql", StringComparison.Ordinal), durability);
        }
        finally
        {
            File.Delete(scriptPath);
            await ExecuteAsync(settings.ConnectionString, "DROP TABLE IF EXISTS loadgen_pgbench", CancellationToken.None);
        }
    }

    /// <summary>The tps of pgbench's report (<c>tps = 9312.4 (without initial connection time)</c>), or null.</summary>
    public static double? ParseTps(string output)
    {
        var match = TpsLine().Match(output);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex(@"^tps = ([0-9]+(?:\.[0-9]+)?)", RegexOptions.Multiline)]
    private static partial Regex TpsLine();

    // pgbench from PATH, else PostgreSQL 15's (Debian keeps the server tools off PATH).
    private static string Executable()
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, "pgbench");
            if (File.Exists(candidate)) return candidate;
        }
        return "/usr/lib/postgresql/15/bin/pgbench";
    }

    private static string Script(string name)
    {
        using var stream = typeof(PgBench).Assembly.GetManifestResourceStream($"LoadGenerator.pgbench.{name}")
            ?? throw new InvalidOperationException($"The pgbench script {name} is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The commit settings that decide what a commit costs, as <c>fsync=on, synchronous_commit=on</c>.</summary>
    public static async Task<string> DurabilityAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT 'fsync=' || current_setting('fsync') || ', synchronous_commit=' || current_setting('synchronous_commit')", connection);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
