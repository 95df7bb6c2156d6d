using System.Globalization;
using ExamStore.HotState;
using Npgsql;
using StackExchange.Redis;

namespace LoadGenerator;

/// <summary>
/// What the servers did per acknowledged answer over the load phase, from their own counters: PostgreSQL's WAL bytes and
/// WAL flushes to disk (the commit I/O an answer costs), the growth of the tables that hold answers and sessions, Redis's
/// commands and network bytes (summed over the primaries), and the PostgreSQL connections the services held.
/// </summary>
/// <param name="WalBytes">WAL written (pg_current_wal_lsn).</param>
/// <param name="WalSyncs">WAL flushes to disk (pg_stat_wal.wal_sync): with group commit, fewer than one per answer.</param>
/// <param name="StoredBytes">Growth of attempts and exam_sessions with their indexes (heap + index + TOAST).</param>
/// <param name="RedisCommands">Commands Redis processed (INFO stats).</param>
/// <param name="RedisBytesIn">Bytes Redis received.</param>
/// <param name="RedisBytesOut">Bytes Redis sent.</param>
/// <param name="PostgresConnectionsPeak">Most connections to the database open at once during the load (sampled every 250 ms).</param>
/// <param name="PostgresConnectionsBusyMean">Connections running a statement or in a transaction, on average over those samples.</param>
public sealed record ServerWork(
    double WalBytes, double WalSyncs, double StoredBytes, double RedisCommands, double RedisBytesIn, double RedisBytesOut,
    int PostgresConnectionsPeak, double PostgresConnectionsBusyMean);

/// <summary>
/// Reads the counters of <see cref="ServerWork"/> before and after the load phase, and samples connections while it runs.
/// A fault scenario stops, kills or restarts the servers meanwhile: a read that fails then leaves the figures out of the
/// report (a restarted server's counters would not add up anyway), and a failed sample is skipped.
/// </summary>
internal sealed class ServerCounters : IAsyncDisposable
{
    private const string PostgresSql = """
        SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8,
               (SELECT wal_sync FROM pg_stat_wal)::float8,
               (SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c
                WHERE c.relkind = 'r' AND (c.relname = 'exam_sessions' OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'attempts'::regclass)))::float8
        """;

    private const string ConnectionsSql = """
        SELECT count(*)::int, count(*) FILTER (WHERE state <> 'idle')::int FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
        """;

    private readonly ExamTarget target;
    private readonly ConnectionMultiplexer redis;
    private readonly CancellationTokenSource stop = new();
    private Totals? before;
    private Task<(int Peak, double BusyMean)>? sampling;

    private ServerCounters(ExamTarget target, ConnectionMultiplexer redis)
    {
        this.target = target;
        this.redis = redis;
    }

    /// <summary>Reads the counters now and starts sampling connections.</summary>
    public static async Task<ServerCounters> StartAsync(ExamTarget target, CancellationToken cancellationToken)
    {
        var options = ConfigurationOptions.Parse(target.RedisConnectionString);
        options.AllowAdmin = true;
        options.AbortOnConnectFail = false;
        var counters = new ServerCounters(target, await ConnectionMultiplexer.ConnectAsync(options));
        counters.before = await counters.TryReadAsync(cancellationToken);
        counters.sampling = counters.SampleConnectionsAsync(counters.stop.Token);
        return counters;
    }

    /// <summary>Reads the counters again and divides the difference by <paramref name="answers"/>.</summary>
    public async Task<ServerWork?> PerAnswerAsync(long answers, CancellationToken cancellationToken)
    {
        var after = await TryReadAsync(cancellationToken);
        await stop.CancelAsync();
        var (peak, busyMean) = await sampling!;
        if (answers == 0 || before is not { } b || after is not { } a) return null;
        return new ServerWork(
            (a.Wal - b.Wal) / answers, (a.Syncs - b.Syncs) / answers, (a.Stored - b.Stored) / answers,
            (a.Commands - b.Commands) / answers, (a.In - b.In) / answers, (a.Out - b.Out) / answers, peak, busyMean);
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (sampling is not null) await sampling;
        stop.Dispose();
        await redis.DisposeAsync();
    }

    private async Task<Totals?> TryReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await ReadAsync(cancellationToken);
        }
        catch (Exception error) when (IsServerFailure(error))
        {
            return null;
        }
    }

    private static bool IsServerFailure(Exception error) =>
        error is NpgsqlException or RedisException or TimeoutException or System.Net.Sockets.SocketException or IOException;

    private async Task<Totals> ReadAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(target.UnpooledPostgres);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(PostgresSql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var (wal, syncs, stored) = (reader.GetDouble(0), reader.GetDouble(1), reader.GetDouble(2));

        double commands = 0, bytesIn = 0, bytesOut = 0;
        foreach (var server in RedisPrimaries.Of(redis))
        {
            var stats = (await server.InfoAsync("stats")).SelectMany(group => group).ToDictionary(pair => pair.Key, pair => pair.Value);
            commands += Number(stats, "total_commands_processed");
            bytesIn += Number(stats, "total_net_input_bytes");
            bytesOut += Number(stats, "total_net_output_bytes");
        }

        return new Totals(wal, syncs, stored, commands, bytesIn, bytesOut);
    }

    private readonly record struct Totals(double Wal, double Syncs, double Stored, double Commands, double In, double Out);

    private static double Number(Dictionary<string, string> stats, string field) =>
        stats.TryGetValue(field, out var value) ? double.Parse(value, CultureInfo.InvariantCulture) : 0;

    private async Task<(int Peak, double BusyMean)> SampleConnectionsAsync(CancellationToken cancellationToken)
    {
        var (peak, busy, samples) = (0, 0L, 0);
        NpgsqlConnection? connection = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    if (connection is null)
                    {
                        connection = new NpgsqlConnection(target.UnpooledPostgres);
                        await connection.OpenAsync(cancellationToken);
                    }

                    await using var command = new NpgsqlCommand(ConnectionsSql, connection);
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                    await reader.ReadAsync(cancellationToken);
                    peak = Math.Max(peak, reader.GetInt32(0));
                    busy += reader.GetInt32(1);
                    samples++;
                }
                catch (Exception error) when (IsServerFailure(error))
                {
                    // PostgreSQL restarted or stopped by a fault scenario: this sample is skipped, the next reconnects.
                    if (connection is not null) await connection.DisposeAsync();
                    connection = null;
                }

                await Task.Delay(250, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (connection is not null) await connection.DisposeAsync();
        }

        return (peak, samples == 0 ? 0 : busy / (double)samples);
    }
}
