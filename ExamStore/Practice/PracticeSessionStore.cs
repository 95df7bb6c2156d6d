using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace ExamStore.Practice;

/// <summary>A practice session's row: who, what, where it stands.</summary>
public sealed record PracticeSessionRow(Guid SessionId, string StudentId, string Subject, string Status, long Seed, int Size, PracticeMix Mix, DateTime CreatedAt, DateTime? CompletedAt, string? Summary);

/// <summary>Practice session status values.</summary>
public static class PracticeStatus
{
    /// <summary>Answers are accepted.</summary>
    public const string Active = "active";

    /// <summary>Completed; the summary is stored.</summary>
    public const string Completed = "completed";
}

/// <summary>What recording an answer did: whether it was written, whether the session is active, and how many answers there are now.</summary>
public sealed record AnswerWrite(bool Written, bool Active, int Answered);

/// <summary>Practice sessions, questions and answers in Postgres (the source of truth; the cache only copies plans).</summary>
public sealed class PracticeSessionStore(NpgsqlDataSource dataSource)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The time now as Postgres stores it (microseconds), so a time the API returns at once equals the one read back
    /// later, from Postgres or from a cache filled from it.
    /// </summary>
    public static DateTime Now(TimeProvider clock)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % 10));
    }

    private const string InsertSessionSql = """
        INSERT INTO practice_sessions (id, student_id, subject, seed, size, mix, topics, notes, status, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9)
        """;

    private const string InsertQuestionsSql = """
        INSERT INTO practice_questions (session_id, position, section, topic, item_id, theta_before, se_before)
        SELECT $1, q.position, q.section, q.topic, q.item_id, q.theta, q.se
        FROM unnest($2::integer[], $3::text[], $4::text[], $5::bigint[], $6::double precision[], $7::double precision[])
             AS q (position, section, topic, item_id, theta, se)
        """;

    private const string SessionColumns = "id, student_id, subject, status, seed, size, mix, created_at, completed_at, summary";

    // The answer, the topic statistics and the count in one statement (one implicit transaction), and only while the
    // session is active: completion locks the row FOR UPDATE, so an answer either commits before it or writes nothing.
    private static readonly string AnswerSql = $"""
        WITH session AS (
            SELECT id, student_id, subject FROM practice_sessions WHERE id = $1 AND status = '{PracticeStatus.Active}' FOR KEY SHARE
        ), answer AS (
            INSERT INTO practice_answers (session_id, item_id, response, correct, answered_at)
            SELECT s.id, $2, $3, $4, $5 FROM session s
            ON CONFLICT DO NOTHING
            RETURNING session_id
        ), statistics AS (
            {Sessions.TopicStatistics.FoldSql("(SELECT s.student_id, s.subject FROM session s, answer) f", "ARRAY[$6]", "ARRAY[1]", "ARRAY[$4::integer]", "$5")}
        )
        SELECT (SELECT count(*) FROM answer)::integer, (SELECT count(*) FROM session)::integer,
               (SELECT count(*) FROM practice_answers WHERE session_id = $1)::integer
        """;

    /// <summary>Writes a generated session and its questions in one transaction.</summary>
    public async Task InsertAsync(PracticePlan plan, CancellationToken cancellationToken)
    {
        var questions = plan.Questions.ToArray();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        var session = new NpgsqlBatchCommand(InsertSessionSql);
        session.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = plan.SessionId });
        session.Parameters.Add(new NpgsqlParameter<string> { TypedValue = plan.StudentId });
        session.Parameters.Add(new NpgsqlParameter<string> { TypedValue = plan.Subject });
        session.Parameters.Add(new NpgsqlParameter<long> { TypedValue = plan.Seed });
        session.Parameters.Add(new NpgsqlParameter<int> { TypedValue = plan.Size });
        session.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(plan.Mix, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        session.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(plan.Sections.ToDictionary(s => s.Name, s => s.Topics), Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        session.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. plan.Notes] });
        session.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = plan.CreatedAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        batch.BatchCommands.Add(session);
        var rows = new NpgsqlBatchCommand(InsertQuestionsSql);
        rows.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = plan.SessionId });
        rows.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. questions.Select(q => q.Question.Position)] });
        rows.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. questions.Select(q => q.Section.Name)] });
        rows.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. questions.Select(q => q.Question.Topic)] });
        rows.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. questions.Select(q => q.Question.ItemId)] });
        rows.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = [.. questions.Select(q => TopicOf(q.Section, q.Question).Theta)] });
        rows.Parameters.Add(new NpgsqlParameter<double?[]> { TypedValue = [.. questions.Select(q => TopicOf(q.Section, q.Question).Se)] });
        batch.BatchCommands.Add(rows);
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>A session's row and its answers (one round trip), or null when there is no such session.</summary>
    public async Task<(PracticeSessionRow Row, IReadOnlyList<PracticeAnswerView> Answers)?> FindAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(ById($"SELECT {SessionColumns} FROM practice_sessions WHERE id = $1", sessionId));
        batch.BatchCommands.Add(ById("SELECT item_id, response, correct, answered_at FROM practice_answers WHERE session_id = $1 ORDER BY answered_at, item_id", sessionId));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var row = ReadRow(reader);
        await reader.NextResultAsync(cancellationToken);
        var answers = new List<PracticeAnswerView>();
        while (await reader.ReadAsync(cancellationToken))
        {
            answers.Add(new PracticeAnswerView(reader.GetInt64(0), reader.GetInt32(1), reader.GetBoolean(2), reader.GetDateTime(3)));
        }
        return (row, answers);
    }

    /// <summary>The generated session, rebuilt from its rows and the items' current content.</summary>
    public async Task<PracticePlan> LoadPlanAsync(PracticeSessionRow row, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(ById("SELECT topics::text, notes FROM practice_sessions WHERE id = $1", row.SessionId));
        batch.BatchCommands.Add(ById("""
            SELECT q.position, q.section, q.topic, q.item_id, i.content, i.options
            FROM practice_questions q JOIN items i ON i.id = q.item_id WHERE q.session_id = $1 ORDER BY q.position
            """, row.SessionId));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var topics = JsonSerializer.Deserialize<Dictionary<string, PracticeTopic[]>>(reader.GetString(0), Json)!;
        var notes = reader.GetFieldValue<string[]>(1);
        await reader.NextResultAsync(cancellationToken);
        var questions = new List<(string Section, PracticeQuestion Question)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            questions.Add((reader.GetString(1), new PracticeQuestion(reader.GetInt32(0), reader.GetInt64(3), reader.GetString(2), reader.GetString(4), reader.GetFieldValue<string[]>(5))));
        }
        var sections = PracticeSections.All.Select(name => new PracticeSection(name, topics.GetValueOrDefault(name) ?? [],
            questions.Where(q => q.Section == name).Select(q => q.Question).ToArray())).ToArray();
        return new PracticePlan(row.SessionId, row.StudentId, row.Subject, row.Seed, row.Size, row.Mix, row.CreatedAt, sections, notes);
    }

    /// <summary>
    /// Records an answer and folds it into the student's topic statistics, atomically, while the session is active.
    /// Writes nothing when the item already has an answer or the session is completed.
    /// </summary>
    public async Task<AnswerWrite> RecordAnswerAsync(Guid sessionId, long itemId, string topic, int response, bool correct, DateTime answeredAt, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(AnswerSql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = sessionId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = itemId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = response });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = correct });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = answeredAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = topic });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var written = reader.GetInt32(0) == 1;
        // The count ran on the statement's snapshot, which does not see the row it inserted.
        return new AnswerWrite(written, reader.GetInt32(1) == 1, reader.GetInt32(2) + (written ? 1 : 0));
    }

    /// <summary>
    /// Completes an active session with the summary <paramref name="summarize"/> makes from its answers, under the
    /// session's row lock; a completed session keeps its stored summary. Null when there is no such session.
    /// </summary>
    public async Task<string?> CompleteAsync(Guid sessionId, Func<PracticeSessionRow, IReadOnlyList<PracticeAnswerView>, DateTime, Task<string>> summarize, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        PracticeSessionRow row;
        await using (var select = new NpgsqlCommand($"SELECT {SessionColumns} FROM practice_sessions WHERE id = $1 FOR UPDATE", connection, transaction))
        {
            select.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = sessionId });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) return null;
            row = ReadRow(reader);
        }
        if (row.Status == PracticeStatus.Completed) return row.Summary;

        var answers = new List<PracticeAnswerView>();
        await using (var select = new NpgsqlCommand("SELECT item_id, response, correct, answered_at FROM practice_answers WHERE session_id = $1", connection, transaction))
        {
            select.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = sessionId });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) answers.Add(new PracticeAnswerView(reader.GetInt64(0), reader.GetInt32(1), reader.GetBoolean(2), reader.GetDateTime(3)));
        }
        var summary = await summarize(row, answers, now);
        await using (var update = new NpgsqlCommand($"UPDATE practice_sessions SET status = '{PracticeStatus.Completed}', completed_at = $2, summary = $3 WHERE id = $1", connection, transaction))
        {
            update.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = sessionId });
            update.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = summary, NpgsqlDbType = NpgsqlDbType.Jsonb });
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return summary;
    }

    private static PracticeTopic TopicOf(PracticeSection section, PracticeQuestion question) => section.Topics.First(t => t.Topic == question.Topic);

    private static NpgsqlBatchCommand ById(string sql, Guid sessionId)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = sessionId });
        return command;
    }

    private static PracticeSessionRow ReadRow(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4), reader.GetInt32(5),
        JsonSerializer.Deserialize<PracticeMix>(reader.GetString(6), Json)!, reader.GetDateTime(7),
        reader.IsDBNull(8) ? null : reader.GetDateTime(8), reader.IsDBNull(9) ? null : reader.GetString(9));
}
