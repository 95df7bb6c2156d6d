using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using ExamStore.Data;
using Npgsql;
using NpgsqlTypes;

namespace ExamStore.Sessions;

/// <summary>
/// Writes the attempt rows of the answer path, coalescing the attempts of concurrent requests into one batch and one
/// commit (group commit). Each caller's task completes only after the batch holding its row committed, so an answer is
/// still acknowledged only once Postgres has it. A row is written only while its session is active, and never twice.
/// </summary>
public sealed class AttemptWriter : IAsyncDisposable
{
    /// <summary>Meter of the writer (batch sizes).</summary>
    public static readonly Meter Meter = new("ExamStore.AttemptWriter");

    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("exam.attempt_batch.size", "{attempt}", "Attempts committed together");

    // The whole batch is one prepared statement over arrays, in one implicit transaction: Postgres parses, plans and
    // runs it once however many attempts it carries. The session rows are share-locked so a completion or abandonment
    // (which locks its row FOR UPDATE) either sees an attempt or makes it insert nothing; ON CONFLICT keeps a duplicate
    // from failing its neighbours, and RETURNING says which rows went in. The lateral lookup makes the plan probe the
    // primary key once per attempt: a join let the generic plan hash all active sessions (and their dead versions).
    private const string InsertSql = """
        INSERT INTO attempts (session_id, seq, item_id, response, correct, theta_after, se_after, served_at, answered_at, next_selection)
        SELECT a.session_id, a.seq, a.item_id, a.response, a.correct, a.theta_after, a.se_after, a.served_at, a.answered_at, a.next_selection
        FROM unnest($1::uuid[], $2::integer[], $3::bigint[], $4::integer[], $5::boolean[], $6::double precision[],
                    $7::double precision[], $8::timestamptz[], $9::timestamptz[], $10::jsonb[])
             AS a (session_id, seq, item_id, response, correct, theta_after, se_after, served_at, answered_at, next_selection)
        CROSS JOIN LATERAL (SELECT FROM exam_sessions s WHERE s.id = a.session_id AND s.status = 'active' FOR KEY SHARE) s
        ON CONFLICT DO NOTHING
        RETURNING session_id, seq, item_id
        """;

    /// <summary>Writer loops (batches in flight at once) unless configured otherwise.</summary>
    public const int DefaultWriters = 4;

    // The answer that ends the exam, the session's completion, the student's proficiency, topic statistics and the item
    // exposure counts: one statement, so one round trip and one implicit transaction, and only while the session is still
    // active (a concurrent completion or sweep locks the same row FOR UPDATE and then finds it ended, or ends it first and
    // this inserts nothing). The statement's snapshot does not see its own attempt, so the exposure CTEs add its item ($3)
    // to the earlier attempts'.
    private static readonly string FinalSql = $"""
        WITH target AS (
            SELECT id FROM exam_sessions WHERE id = $1 AND status = '{SessionStatus.Active}' FOR UPDATE
        ), finished AS (
            UPDATE exam_sessions s SET status = '{SessionStatus.Completed}', stop_reason = $10, theta = $6, se = $7,
                item_count = $2, last_activity_at = $9, completed_at = $9
            FROM target t WHERE s.id = t.id
            RETURNING s.id, s.student_id, s.subject
        ), attempt AS (
            INSERT INTO attempts (session_id, seq, item_id, response, correct, theta_after, se_after, served_at, answered_at)
            SELECT f.id, $2, $3, $4, $5, $6, $7, $8, $9 FROM finished f
        ), proficiency AS (
            {StudentProficiencies.UpsertSql("finished f", "$11", "$12", "$13", "$9")}
        ), statistics AS (
            {TopicStatistics.FoldSql("finished f", "$14", "$15", "$16", "$9")}
        ), {ExposureCounts.RecordSql("finished f", "ARRAY[$3]")}
        SELECT student_id FROM finished
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly Task[] _writers;

    /// <summary>Starts <paramref name="writers"/> writer loops; each holds one connection while it commits a batch.</summary>
    public AttemptWriter(NpgsqlDataSource dataSource, int writers = DefaultWriters, int maxBatch = 128)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(writers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _dataSource = dataSource;
        MaxBatch = maxBatch;
        // The loops must not inherit the context of whoever created the writer (a request, the first to answer): its
        // Activity would become the parent of every batch ever written, one trace growing for the process's lifetime.
        using (ExecutionContext.SuppressFlow())
        {
            _writers = Enumerable.Range(0, writers).Select(_ => Task.Run(WriteLoopAsync)).ToArray();
        }
    }

    /// <summary>The most attempts committed together.</summary>
    public int MaxBatch { get; }

    /// <summary>
    /// Inserts the attempt. True when this call wrote it; false when nothing was written because the position or the
    /// item already has an attempt, or the session is no longer active. Database failures surface as exceptions.
    /// </summary>
    /// <remarks>
    /// Deliberately not cancellable: once queued the row may commit, and the caller must learn the outcome before it
    /// answers anything.
    /// </remarks>
    public Task<bool> WriteAsync(AttemptEntity attempt)
    {
        var pending = new Pending(attempt);
        if (!_queue.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(AttemptWriter));
        return pending.Completion.Task;
    }

    /// <summary>
    /// Writes the answer that ends the exam together with the session's completion (status, stop reason, θ/SE, counts),
    /// the proficiency <paramref name="estimates"/>, the exam's answers per topic (<paramref name="tally"/>, every
    /// answer including this one) for the topic statistics and the exam's items for the exposure counts, atomically. The session's student when written; null when
    /// the session was no longer active or the position already has an attempt.
    /// </summary>
    public async Task<string?> WriteFinalAsync(
        AttemptEntity attempt, string stopReason, (string[] Topics, double[] Thetas, double?[] StandardErrors) estimates,
        (string[] Topics, int[] Answers, int[] Correct) tally)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(FinalSql, connection);
        AddAttemptParameters(command.Parameters, attempt);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stopReason });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = estimates.Topics });
        command.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = estimates.Thetas });
        command.Parameters.Add(new NpgsqlParameter<double?[]> { TypedValue = estimates.StandardErrors });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = tally.Topics });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = tally.Answers });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = tally.Correct });
        try
        {
            return await command.ExecuteScalarAsync() as string;
        }
        catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // The same answer (or another answer to the same position) committed first.
            return null;
        }
    }

    /// <summary>Stops accepting attempts and lets the queued ones finish.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_writers);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var pending)) batch.Add(pending);
            if (batch.Count == 0) continue;
            try
            {
                await WriteBatchAsync(batch);
            }
            catch (PostgresException) when (batch.Count > 1)
            {
                // A row the database refuses (not a duplicate: those insert nothing) fails only its own request.
                foreach (var pending in batch) await WriteOneAsync(pending);
            }
            catch (Exception error)
            {
                foreach (var pending in batch) pending.Completion.TrySetException(error);
            }
        }
    }

    private async Task WriteOneAsync(Pending pending)
    {
        try
        {
            await WriteBatchAsync([pending]);
        }
        catch (Exception error)
        {
            pending.Completion.TrySetException(error);
        }
    }

    private async Task WriteBatchAsync(IReadOnlyList<Pending> batch)
    {
        var count = batch.Count;
        var sessionIds = new Guid[count];
        var seqs = new int[count];
        var itemIds = new long[count];
        var responses = new int[count];
        var corrects = new bool[count];
        var thetas = new double[count];
        var standardErrors = new double?[count];
        var servedAts = new DateTime[count];
        var answeredAts = new DateTime[count];
        var nextSelections = new string?[count];
        for (var k = 0; k < count; k++)
        {
            var attempt = batch[k].Attempt;
            sessionIds[k] = attempt.SessionId;
            seqs[k] = attempt.Seq;
            itemIds[k] = attempt.ItemId;
            responses[k] = attempt.Response;
            corrects[k] = attempt.Correct;
            thetas[k] = attempt.ThetaAfter;
            standardErrors[k] = attempt.SeAfter;
            servedAts[k] = attempt.ServedAt;
            answeredAts[k] = attempt.AnsweredAt;
            nextSelections[k] = attempt.NextSelection;
        }

        using var activity = StartBatchActivity(batch);
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(InsertSql, connection);
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = sessionIds });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = seqs });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = itemIds });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = responses });
        command.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = corrects });
        command.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = thetas });
        command.Parameters.Add(new NpgsqlParameter<double?[]> { TypedValue = standardErrors });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = servedAts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = answeredAts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = nextSelections, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        // Prepared once per physical connection (Npgsql keeps it across pooled opens), so later batches skip parse and plan.
        await command.PrepareAsync();

        var written = new bool[count];
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var (sessionId, seq, itemId) = (reader.GetGuid(0), reader.GetInt32(1), reader.GetInt64(2));
                // Two requests for the same answer can share a batch (no Redis lock while Redis is down): the row is the
                // first one's, the other learns it was already recorded.
                for (var k = 0; k < count; k++)
                {
                    if (written[k] || sessionIds[k] != sessionId || seqs[k] != seq || itemIds[k] != itemId) continue;
                    written[k] = true;
                    break;
                }
            }
        }
        BatchSize.Record(count);
        for (var k = 0; k < count; k++) batch[k].Completion.TrySetResult(written[k]);
    }

    // The batch's span (its insert's database span below it) belongs to the trace of the first answer in it, so a lone
    // answer's trace holds its write; the other answers are linked, and each answer's own exam.persist span shows its wait.
    private static Activity? StartBatchActivity(IReadOnlyList<Pending> batch)
    {
        if (!ExamSessionService.ActivitySource.HasListeners()) return null;
        var links = batch.Skip(1).Where(p => p.Answer != default).Select(p => new ActivityLink(p.Answer)).ToList();
        var activity = ExamSessionService.ActivitySource.StartActivity("exam.attempt_batch", ActivityKind.Internal, batch[0].Answer, links: links);
        activity?.SetTag("exam.attempts", batch.Count);
        return activity;
    }

    private static void AddAttemptParameters(NpgsqlParameterCollection parameters, AttemptEntity attempt)
    {
        parameters.Add(new NpgsqlParameter<Guid> { TypedValue = attempt.SessionId });
        parameters.Add(new NpgsqlParameter<int> { TypedValue = attempt.Seq });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = attempt.ItemId });
        parameters.Add(new NpgsqlParameter<int> { TypedValue = attempt.Response });
        parameters.Add(new NpgsqlParameter<bool> { TypedValue = attempt.Correct });
        parameters.Add(new NpgsqlParameter<double> { TypedValue = attempt.ThetaAfter });
        parameters.Add(new NpgsqlParameter { Value = (object?)attempt.SeAfter ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Double });
        parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = attempt.ServedAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = attempt.AnsweredAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
    }

    private sealed class Pending(AttemptEntity attempt)
    {
        public AttemptEntity Attempt { get; } = attempt;

        // The answering request's span, which the batch's span is parented to or linked from.
        public ActivityContext Answer { get; } = Activity.Current?.Context ?? default;

        public TaskCompletionSource<bool> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
