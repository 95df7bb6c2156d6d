using Npgsql;

namespace ExamStore.Practice;

/// <summary>Reads a student's <see cref="StudentPerformance"/> from Postgres in one round trip.</summary>
public sealed class StudentPerformanceReader(NpgsqlDataSource dataSource)
{
    // A student is known once they have started an exam: the platform keeps no other record of students. A running exam
    // keeps the record from being cached (its answers change it without telling the cache). Exam attempts
    // and practice answers of the window count as recent; an exam's attempts are in the window only if the session is
    // still running or ended inside it (attempts never outlive their session's last activity).
    private static readonly string[] Statements =
    [
        "SELECT EXISTS (SELECT 1 FROM exam_sessions WHERE student_id = $1), EXISTS (SELECT 1 FROM exam_sessions WHERE student_id = $1 AND status = 'active')",
        "SELECT subject, topic, theta, se FROM student_proficiencies WHERE student_id = $1",
        "SELECT subject, topic, attempts, recent_accuracy, last_seen_at, next_review_at FROM topic_statistics WHERE student_id = $1",
        """
        SELECT s.subject, a.item_id, i.topic, a.answered_at
        FROM exam_sessions s JOIN attempts a ON a.session_id = s.id JOIN items i ON i.id = a.item_id
        WHERE s.student_id = $1 AND (s.status = 'active' OR s.last_activity_at >= $2) AND a.answered_at >= $2
        UNION ALL
        SELECT p.subject, a.item_id, i.topic, a.answered_at
        FROM practice_sessions p JOIN practice_answers a ON a.session_id = p.id JOIN items i ON i.id = a.item_id
        WHERE p.student_id = $1 AND (p.status = 'active' OR p.completed_at >= $2) AND a.answered_at >= $2
        ORDER BY 4 DESC, 2
        """,
    ];

    /// <summary>The student's record with the answers since <paramref name="since"/>; null when the student is unknown.</summary>
    public async Task<StudentPerformance?> ReadAsync(string studentId, DateTime since, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        foreach (var statement in Statements)
        {
            var command = new NpgsqlBatchCommand(statement);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = studentId });
            if (statement.Contains("$2", StringComparison.Ordinal)) command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = since, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            batch.BatchCommands.Add(command);
        }
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        if (!reader.GetBoolean(0)) return null;
        var examRunning = reader.GetBoolean(1);

        var overall = new Dictionary<string, (double Theta, double? Se)>(StringComparer.Ordinal);
        var topics = new Dictionary<(string Subject, string Topic), TopicRecord>();
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var (subject, topic, theta, se) = (reader.GetString(0), reader.GetString(1), reader.GetDouble(2), reader.IsDBNull(3) ? (double?)null : reader.GetDouble(3));
            if (topic.Length == 0) overall[subject] = (theta, se);
            else topics[(subject, topic)] = new TopicRecord(topic, theta, se, 0, null, null, null);
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = (reader.GetString(0), reader.GetString(1));
            var record = topics.GetValueOrDefault(key) ?? new TopicRecord(key.Item2, null, null, 0, null, null, null);
            topics[key] = record with
            {
                Attempts = reader.GetInt32(2),
                RecentAccuracy = reader.GetDouble(3),
                LastSeenAt = reader.GetDateTime(4),
                NextReviewAt = reader.GetDateTime(5),
            };
        }
        var recent = new List<(string Subject, RecentAnswer Answer)>();
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            recent.Add((reader.GetString(0), new RecentAnswer(reader.GetInt64(1), reader.GetString(2), reader.GetDateTime(3))));
        }

        var subjects = overall.Keys.Concat(topics.Keys.Select(k => k.Subject)).Concat(recent.Select(r => r.Subject))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(subject => new SubjectPerformance(
                subject,
                overall.TryGetValue(subject, out var o) ? o.Theta : null,
                overall.TryGetValue(subject, out var s) ? s.Se : null,
                topics.Where(t => t.Key.Subject == subject).Select(t => t.Value).OrderBy(t => t.Topic, StringComparer.Ordinal).ToArray(),
                recent.Where(r => r.Subject == subject).Select(r => r.Answer).ToArray()))
            .ToArray();
        return new StudentPerformance(studentId, since, subjects) { ExamRunning = examRunning };
    }
}
