using System.Buffers.Binary;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ExamStore.Data;

/// <summary>A partition of <c>attempts</c>: the sessions (and so their attempts) whose ids fall in [From, To).</summary>
/// <param name="Name">The partition's table name.</param>
/// <param name="From">Lowest session id it holds; null for MINVALUE (the attempts from before partitioning).</param>
/// <param name="To">The session id it stops before.</param>
/// <param name="FromTime">The session start time <paramref name="From"/> stands for (UUIDv7 milliseconds).</param>
/// <param name="ToTime">The session start time <paramref name="To"/> stands for.</param>
/// <param name="EstimatedRows">Postgres's row estimate (reltuples); null until the table was first analyzed.</param>
/// <param name="ActiveSessions">Sessions of the range still active: while there are any, their answers land here.</param>
/// <param name="DetachPending">A concurrent detach was interrupted; detaching again finishes it.</param>
public sealed record AttemptPartition(
    string Name, Guid? From, Guid To, DateTime? FromTime, DateTime ToTime, long? EstimatedRows, long ActiveSessions, bool DetachPending)
{
    /// <summary>Every session of the range has ended, so no attempt can be added to it any more.</summary>
    public bool AllSessionsEnded => ActiveSessions == 0;
}

/// <summary>Why a detach was refused, or that it happened.</summary>
public enum DetachOutcome
{
    /// <summary>Detached: the table stays as a plain table, for archiving.</summary>
    Detached,

    /// <summary>No partition of <c>attempts</c> has that name.</summary>
    NotFound,

    /// <summary>The month is current, in the future, or ended less than <see cref="AttemptPartitions.DetachGrace"/> ago.</summary>
    NotPast,

    /// <summary>A session of the range is still active.</summary>
    ActiveSessions,

    /// <summary>Another detach of the same partition ran at the same time (and detached it, or still does).</summary>
    DetachedMeanwhile,
}

/// <summary>
/// The monthly partitions of <c>attempts</c> (migration 0005): keeps the current UTC month and the next
/// <see cref="MonthsAhead"/> created, lists them, and detaches a past month whose exams have all ended. A month is a
/// range of session ids: ids are UUIDv7, whose leading 48 bits are the session's start in Unix milliseconds, so the
/// month's partition runs from the uuid of its first millisecond (the rest zero) to the next month's.
/// </summary>
public sealed partial class AttemptPartitions(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<AttemptPartitions> logger)
{
    /// <summary>Months kept created after the current one: an answer has no partition only if nothing ran that long.</summary>
    public const int MonthsAhead = 3;

    /// <summary>Name of the meter with <c>examstore.attempt_partitions.created</c>.</summary>
    public const string MeterName = "ExamStore.AttemptPartitions";

    /// <summary>How long after its end a month stays attached: a server whose clock lags may still start exams in it.</summary>
    public static readonly TimeSpan DetachGrace = TimeSpan.FromDays(1);

    // Distinct from the migrator's and the sweep's advisory locks.
    private const long AdvisoryLockKey = 0x45_78_61_6D_50_61; // "ExamPa"

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Created = Meter.CreateCounter<long>("examstore.attempt_partitions.created", "{partition}", "Monthly partitions of attempts created ahead");

    // The bounds out of pg_get_expr(relpartbound): FROM (MINVALUE) or FROM ('uuid'), TO ('uuid'). Each partition's still
    // active sessions come from exam_sessions by the same id range (an active session without answers belongs there too).
    private const string ListSql = """
        WITH partition AS (
            SELECT c.relname AS name, c.reltuples, i.inhdetachpending AS detach_pending,
                   substring(b FROM $r$FROM \('([0-9a-f-]{36})'\)$r$)::uuid AS lower_bound,
                   substring(b FROM $r$TO \('([0-9a-f-]{36})'\)$r$)::uuid AS upper_bound
            FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid
            CROSS JOIN LATERAL pg_get_expr(c.relpartbound, c.oid) AS b
            WHERE i.inhparent = 'attempts'::regclass
        )
        SELECT p.name, p.lower_bound, p.upper_bound, p.reltuples, p.detach_pending,
               (SELECT count(*) FROM exam_sessions s
                WHERE s.status = 'active' AND s.id < p.upper_bound AND (p.lower_bound IS NULL OR s.id >= p.lower_bound))
        FROM partition p
        ORDER BY p.lower_bound NULLS FIRST
        """;

    /// <summary>The uuid that starts the UTC millisecond of <paramref name="time"/>: its 48-bit Unix time, then zeros.</summary>
    public static Guid Bound(DateTimeOffset time)
    {
        Span<byte> bytes = stackalloc byte[16];
        bytes.Clear();
        Span<byte> milliseconds = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(milliseconds, time.ToUnixTimeMilliseconds());
        milliseconds[2..].CopyTo(bytes);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>The start time a UUIDv7 (or a bound) carries in its leading 48 bits.</summary>
    public static DateTime TimeOf(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        Span<byte> milliseconds = stackalloc byte[8];
        milliseconds.Clear();
        bytes[..6].CopyTo(milliseconds[2..]);
        return DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(milliseconds)).UtcDateTime;
    }

    /// <summary>The table name of a month's partition, <c>attempts_YYYY_MM</c>.</summary>
    public static string NameOf(DateTimeOffset month) => string.Create(CultureInfo.InvariantCulture, $"attempts_{month.UtcDateTime:yyyy_MM}");

    /// <summary>Whether <paramref name="name"/> could be a partition name at all (what the admin API accepts).</summary>
    public static bool IsWellFormedName(string name) => PartitionName().IsMatch(name);

    /// <summary>
    /// Creates the partitions missing for the current UTC month and <see cref="MonthsAhead"/> after it; returns their
    /// names. Idempotent, and safe when several services run it at once (they queue on an advisory lock and the later
    /// ones find the months there).
    /// </summary>
    public Task<IReadOnlyList<string>> EnsureAheadAsync(CancellationToken cancellationToken) =>
        EnsureMonthsAsync(clock.GetUtcNow(), MonthsAhead + 1, cancellationToken);

    /// <summary>Creates the partitions missing for <paramref name="count"/> UTC months from the month of <paramref name="from"/>.</summary>
    public async Task<IReadOnlyList<string>> EnsureMonthsAsync(DateTimeOffset from, int count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var first = new DateTimeOffset(from.UtcDateTime.Year, from.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var created = new List<string>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Attaching locks exam_sessions and items briefly (the foreign keys); waiting long in their lock queue would hold
        // up exam starts, and a month ahead can wait for the next run. The advisory lock is taken first, without that
        // limit: another service holding it is creating the same months.
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({AdvisoryLockKey}); SET LOCAL lock_timeout = '2s'", cancellationToken);
        var existing = await ListAsync(connection, transaction, cancellationToken);
        for (var k = 0; k < count; k++)
        {
            var month = first.AddMonths(k);
            // Present when any partition overlaps the month: the migration's partial first month and the pre-partitioning
            // range cover their months between them.
            if (existing.Any(p => (p.FromTime is null || p.FromTime < month.AddMonths(1).UtcDateTime) && p.ToTime > month.UtcDateTime)) continue;
            var name = NameOf(month);
            // A plain table attached afterwards, rather than CREATE TABLE ... PARTITION OF: attaching takes only a SHARE
            // UPDATE EXCLUSIVE lock on attempts, so the answers being written meanwhile are not blocked. Identifiers and
            // bounds are ours (a fixed pattern and formatted uuids), so they are spliced in.
            await ExecuteAsync(connection, transaction, $"""
                CREATE TABLE {name} (LIKE attempts INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
                ALTER TABLE attempts ATTACH PARTITION {name} FOR VALUES FROM ('{Bound(month)}') TO ('{Bound(month.AddMonths(1))}');
                """, cancellationToken);
            created.Add(name);
        }
        await transaction.CommitAsync(cancellationToken);
        foreach (var name in created)
        {
            Created.Add(1);
            LogCreated(name);
        }
        return created;
    }

    /// <summary>Every partition of <c>attempts</c>, oldest range first.</summary>
    public async Task<IReadOnlyList<AttemptPartition>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ListAsync(connection, null, cancellationToken);
    }

    /// <summary>
    /// Detaches a past month's partition whose sessions have all ended, concurrently (answers to other months go on
    /// meanwhile). The table stays, no longer part of <c>attempts</c>: archive it with pg_dump, then drop it.
    /// </summary>
    public async Task<(DetachOutcome Outcome, AttemptPartition? Partition)> DetachAsync(string name, CancellationToken cancellationToken)
    {
        var partition = (await ListAsync(cancellationToken)).SingleOrDefault(p => p.Name == name);
        if (partition is null) return (DetachOutcome.NotFound, null);
        if (partition.ToTime > clock.GetUtcNow().UtcDateTime - DetachGrace) return (DetachOutcome.NotPast, partition);
        // Sessions of a past range cannot be created any more and an ended session never becomes active again, so once
        // this finds none, no attempt can arrive for the partition.
        if (!partition.AllSessionsEnded) return (DetachOutcome.ActiveSessions, partition);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // CONCURRENTLY cannot run inside a transaction block, so this is a statement of its own (autocommit). It waits for
        // the transactions already using attempts; if it is interrupted then (the command timeout) the partition is left
        // "detach pending", which FINALIZE completes on the next call.
        var mode = partition.DetachPending ? "FINALIZE" : "CONCURRENTLY";
        // The name comes from the catalog; quoted all the same, as any identifier spliced into SQL.
        var table = "\"" + partition.Name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        await using var command = new NpgsqlCommand($"ALTER TABLE attempts DETACH PARTITION {table} {mode}", connection);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException raced) when (raced.SqlState is PostgresErrorCodes.ObjectNotInPrerequisiteState or PostgresErrorCodes.UndefinedTable
            or PostgresErrorCodes.WrongObjectType)
        {
            // Two calls listed it attached; the other one's detach came first ("already pending detach", "is not a partition").
            return (DetachOutcome.DetachedMeanwhile, partition);
        }
        LogDetached(partition.Name, partition.EstimatedRows);
        return (DetachOutcome.Detached, partition);
    }

    private static async Task<List<AttemptPartition>> ListAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        var partitions = new List<AttemptPartition>();
        await using var command = new NpgsqlCommand(ListSql, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            Guid? lower = reader.IsDBNull(1) ? null : reader.GetGuid(1);
            var upper = reader.GetGuid(2);
            var tuples = reader.GetFloat(3);
            partitions.Add(new AttemptPartition(reader.GetString(0), lower, upper, lower is { } l ? TimeOf(l) : null, TimeOf(upper),
                tuples < 0 ? null : (long)tuples, reader.GetInt64(5), reader.GetBoolean(4)));
        }
        return partitions;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [GeneratedRegex("^attempts_[a-z0-9_]{1,50}$")]
    private static partial Regex PartitionName();

    [LoggerMessage(LogLevel.Information, "Created partition {Name} of attempts")]
    private partial void LogCreated(string name);

    [LoggerMessage(LogLevel.Information, "Detached partition {Name} from attempts ({Rows} rows estimated); archive it with pg_dump, then drop it")]
    private partial void LogDetached(string name, long? rows);
}
