using System.Diagnostics;
using System.Diagnostics.Metrics;
using ExamStore.Data;
using ExamStore.HotState;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ExamStore.Sessions;

/// <summary>The result of one sweep.</summary>
/// <param name="Ran">False when another sweep held the lock, so this one did nothing.</param>
/// <param name="Expired">Sessions ended by this sweep (abandoned for inactivity or completed for their time limit).</param>
/// <param name="StartedAt">When the sweep took the lock (or found it taken).</param>
/// <param name="FinishedAt">When it released the lock.</param>
public sealed record SweepOutcome(bool Ran, int Expired, DateTime StartedAt, DateTime FinishedAt);

/// <summary>
/// Ends the exams nobody is taking any more: sessions inactive longer than the threshold are finished as abandoned
/// (stop reason "inactive") with their last θ/SE, and sessions past their time limit are completed (stop reason "time").
/// Candidates come from the Redis activity index (no keyspace scan) and from Postgres (active sessions whose Redis
/// state is already gone); each is re-checked against both before it is ended. One sweep at a time across every
/// instance: a Postgres advisory lock, skipped when held. Used by CleanupWorker's timer and ExamApi's manual trigger.
/// </summary>
public sealed partial class SessionSweeper(
    IServiceScopeFactory scopes,
    NpgsqlDataSource dataSource,
    SessionStateStore hotState,
    RedisHealth redisHealth,
    TimeProvider clock,
    ILogger<SessionSweeper> logger)
{
    /// <summary>Name of the meter with the sweep metrics.</summary>
    public const string MeterName = "ExamStore.Cleanup";

    /// <summary>Stop reason of sessions abandoned for inactivity.</summary>
    public const string InactiveStopReason = "inactive";

    /// <summary>Stop reason of sessions completed because their time limit passed.</summary>
    public const string TimeStopReason = "time";

    /// <summary>The advisory lock key of the sweep; distinct from the migrator's.</summary>
    public const long AdvisoryLockKey = 0x45_78_61_6D_53_77; // "ExamSw"

    /// <summary>The default inactivity threshold.</summary>
    public static readonly TimeSpan DefaultInactivity = TimeSpan.FromMinutes(30);

    // Candidates are processed in batches so a large backlog never loads every id at once.
    private const int BatchSize = 500;

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> SessionsExpired = Meter.CreateCounter<long>("examstore.cleanup.sessions_expired", "{session}", "Sessions ended by the cleanup sweep");
    private static readonly Histogram<double> SweepDuration = Meter.CreateHistogram<double>("examstore.cleanup.sweep.duration", "s", "Duration of cleanup sweeps that ran");

    /// <summary>
    /// Runs one sweep with the given inactivity threshold, unless another instance is sweeping (then returns at once
    /// with <see cref="SweepOutcome.Ran"/> false). Returns how many sessions it ended.
    /// </summary>
    public async Task<SweepOutcome> SweepAsync(TimeSpan inactivity, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inactivity, TimeSpan.Zero);
        var startedAt = clock.GetUtcNow().UtcDateTime;
        // A session-level lock on a connection of its own: held for the whole sweep while the sweep's own queries use
        // other connections, and released by Postgres if this process dies mid-sweep.
        await using var lockConnection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (!await TryLockAsync(lockConnection, cancellationToken))
        {
            LogSkipped();
            return new SweepOutcome(false, 0, startedAt, clock.GetUtcNow().UtcDateTime);
        }

        var watch = Stopwatch.StartNew();
        var expired = 0;
        try
        {
            var cutoff = startedAt - inactivity;
            await using var scope = scopes.CreateAsyncScope();
            var sessions = scope.ServiceProvider.GetRequiredService<ExamSessionService>();
            var db = scope.ServiceProvider.GetRequiredService<ExamDbContext>();
            var visited = new HashSet<Guid>();
            await foreach (var sessionId in CandidatesAsync(db, cutoff, startedAt, cancellationToken))
            {
                if (!visited.Add(sessionId)) continue;
                if (await TryExpireAsync(db, sessions, sessionId, cutoff, cancellationToken)) expired++;
            }
        }
        finally
        {
            await using var unlock = new NpgsqlCommand($"SELECT pg_advisory_unlock({AdvisoryLockKey})", lockConnection);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
            SweepDuration.Record(watch.Elapsed.TotalSeconds);
        }
        LogSwept(expired, inactivity.TotalMinutes, watch.Elapsed.TotalMilliseconds);
        return new SweepOutcome(true, expired, startedAt, clock.GetUtcNow().UtcDateTime);
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT pg_try_advisory_lock({AdvisoryLockKey})", connection);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    // Redis's activity index first (it knows the latest activity of sessions with hot state), then Postgres for
    // sessions whose hot state is gone and for time limits. Each batch is read before any of it is ended, and ended
    // sessions leave both sources, so the next batch moves on; the caller skips ids it has already looked at.
    private async IAsyncEnumerable<Guid> CandidatesAsync(ExamDbContext db, DateTime cutoff, DateTime now, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = new HashSet<Guid>();
        while (redisHealth.IsAvailable)
        {
            IReadOnlyList<(Guid SessionId, DateTime LastActivity)> batch;
            try
            {
                batch = await hotState.ActiveSessionsAsync(cutoff, BatchSize);
            }
            catch (Exception error) when (RedisHealth.IsRedisFailure(error))
            {
                redisHealth.ReportFailure(error);
                break;
            }
            var fresh = batch.Where(entry => seen.Add(entry.SessionId)).Select(entry => entry.SessionId).ToArray();
            foreach (var sessionId in fresh) yield return sessionId;
            if (fresh.Length == 0 || batch.Count < BatchSize) break;
        }

        // last_activity_at of an active session is its start (answers are recorded as attempts), so the partial index
        // on it narrows the search and the NOT EXISTS finds the sessions whose last answer is old too.
        while (true)
        {
            var batch = await db.ExamSessions.FromSqlInterpolated($"""
                SELECT s.* FROM exam_sessions s
                WHERE s.status = 'active'
                  AND ((s.expires_at IS NOT NULL AND s.expires_at <= {now})
                       OR (s.last_activity_at <= {cutoff}
                           AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.session_id = s.id AND a.answered_at > {cutoff})))
                ORDER BY s.last_activity_at
                LIMIT {BatchSize}
                """).AsNoTracking().Select(s => s.Id).ToListAsync(cancellationToken);
            var fresh = batch.Where(seen.Add).ToArray();
            foreach (var sessionId in fresh) yield return sessionId;
            if (fresh.Length == 0 || batch.Count < BatchSize) break;
        }
    }

    // Re-checks one candidate under its submission lock (an answer in flight holds it, and then the session is not
    // idle), using the later of Redis's and Postgres's last activity, and ends it if it is still idle or out of time.
    private async Task<bool> TryExpireAsync(ExamDbContext db, ExamSessionService sessions, Guid sessionId, DateTime cutoff, CancellationToken cancellationToken)
    {
        var sessionLock = await TryLockSessionAsync(sessionId);
        if (sessionLock is { Acquired: false }) return false;
        var finished = false;
        try
        {
            var session = await db.ExamSessions.AsNoTracking()
                .Where(s => s.Id == sessionId)
                .Select(s => new
                {
                    s.Status,
                    s.StartedAt,
                    s.ExpiresAt,
                    LastAnswer = db.Attempts.Where(a => a.SessionId == s.Id).Max(a => (DateTime?)a.AnsweredAt),
                })
                .SingleOrDefaultAsync(cancellationToken);
            if (session is null || session.Status != SessionStatus.Active)
            {
                // An index entry or state left behind by a finished (or unknown) session: drop it, count nothing.
                finished = true;
                await TryRemoveAsync(sessionId);
                return false;
            }

            var now = clock.GetUtcNow().UtcDateTime;
            var lastActivity = Max(session.LastAnswer ?? session.StartedAt, sessionLock?.State?.LastActivity);
            string status, reason;
            if (session.ExpiresAt is { } expiresAt && expiresAt <= now) (status, reason) = (SessionStatus.Completed, TimeStopReason);
            else if (lastActivity <= cutoff) (status, reason) = (SessionStatus.Abandoned, InactiveStopReason);
            else return false;

            // FinishAsync removes the hot state together with the lock.
            finished = true;
            if (!await sessions.FinishAsync(sessionId, status, reason, cancellationToken)) return false;
            SessionsExpired.Add(1, new KeyValuePair<string, object?>("reason", reason));
            LogExpired(sessionId, status, reason, lastActivity);
            return true;
        }
        finally
        {
            if (!finished && sessionLock is { Acquired: true } held) await TryReleaseAsync(sessionId, held.Token);
        }
    }

    // Null when Redis is unreachable: the sweep then goes by Postgres alone (no answer can be taking the Redis path).
    private async Task<SessionLock?> TryLockSessionAsync(Guid sessionId)
    {
        if (!redisHealth.IsAvailable) return null;
        try
        {
            return await hotState.LockAndLoadAsync(sessionId);
        }
        catch (Exception error) when (RedisHealth.IsRedisFailure(error))
        {
            redisHealth.ReportFailure(error);
            return null;
        }
    }

    private async Task TryRemoveAsync(Guid sessionId)
    {
        try
        {
            await hotState.RemoveAsync(sessionId);
        }
        catch (Exception error) when (RedisHealth.IsRedisFailure(error))
        {
            redisHealth.ReportFailure(error);
        }
    }

    private async Task TryReleaseAsync(Guid sessionId, string token)
    {
        try
        {
            await hotState.ReleaseAsync(sessionId, token);
        }
        catch (Exception error) when (RedisHealth.IsRedisFailure(error))
        {
            redisHealth.ReportFailure(error);
        }
    }

    private static DateTime Max(DateTime postgres, DateTime? redis) => redis is { } r && r > postgres ? r : postgres;

    [LoggerMessage(LogLevel.Debug, "Cleanup sweep skipped: another instance is sweeping")]
    private partial void LogSkipped();

    [LoggerMessage(LogLevel.Information, "Cleanup sweep ended {Expired} session(s) (inactivity threshold {Minutes} min) in {ElapsedMs:F0} ms")]
    private partial void LogSwept(int expired, double minutes, double elapsedMs);

    [LoggerMessage(LogLevel.Information, "Session {SessionId} ended as {Status} ({Reason}); last activity {LastActivity:O}")]
    private partial void LogExpired(Guid sessionId, string status, string reason, DateTime lastActivity);
}

/// <summary>Registers <see cref="SessionSweeper"/>.</summary>
public static class SessionSweeperServiceCollectionExtensions
{
    /// <summary>Adds the session sweeper (needs <c>AddExamStore</c> and an <see cref="NpgsqlDataSource"/>).</summary>
    public static IServiceCollection AddSessionSweeper(this IServiceCollection services)
    {
        services.TryAddSingleton<SessionSweeper>();
        return services;
    }
}
