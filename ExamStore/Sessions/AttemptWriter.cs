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

    // One statement per attempt, all in the batch's single implicit transaction. The session row is share-locked so a
    // completion or abandonment (which locks it FOR UPDATE) either sees this attempt or makes it insert nothing;
    // ON CONFLICT keeps a duplicate from failing its neighbours in the batch: it inserts nothing and says so.
    private const string InsertSql = """
        INSERT INTO attempts (session_id, seq, item_id, response, correct, theta_after, se_after, served_at, answered_at, next_selection)
        SELECT s.id, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM exam_sessions s
        WHERE s.id = $1 AND s.status = 'active'
        FOR KEY SHARE
        ON CONFLICT DO NOTHING
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly Task[] _writers;

    /// <summary>Starts <paramref name="writers"/> writer loops; each holds one connection while it commits a batch.</summary>
    public AttemptWriter(NpgsqlDataSource dataSource, int writers = 4, int maxBatch = 128)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(writers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _dataSource = dataSource;
        MaxBatch = maxBatch;
        _writers = Enumerable.Range(0, writers).Select(_ => Task.Run(WriteLoopAsync)).ToArray();
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
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var command = new NpgsqlBatch(connection);
        foreach (var pending in batch)
        {
            var attempt = pending.Attempt;
            var statement = new NpgsqlBatchCommand(InsertSql);
            statement.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = attempt.SessionId });
            statement.Parameters.Add(new NpgsqlParameter<int> { TypedValue = attempt.Seq });
            statement.Parameters.Add(new NpgsqlParameter<long> { TypedValue = attempt.ItemId });
            statement.Parameters.Add(new NpgsqlParameter<int> { TypedValue = attempt.Response });
            statement.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = attempt.Correct });
            statement.Parameters.Add(new NpgsqlParameter<double> { TypedValue = attempt.ThetaAfter });
            statement.Parameters.Add(new NpgsqlParameter { Value = (object?)attempt.SeAfter ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Double });
            statement.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = attempt.ServedAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            statement.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = attempt.AnsweredAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            statement.Parameters.Add(new NpgsqlParameter { Value = (object?)attempt.NextSelection ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb });
            command.BatchCommands.Add(statement);
        }
        await command.ExecuteNonQueryAsync();
        BatchSize.Record(batch.Count);
        for (var k = 0; k < batch.Count; k++) batch[k].Completion.TrySetResult(command.BatchCommands[k].RecordsAffected == 1);
    }

    private sealed class Pending(AttemptEntity attempt)
    {
        public AttemptEntity Attempt { get; } = attempt;

        public TaskCompletionSource<bool> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
