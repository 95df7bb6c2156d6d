using Npgsql;

namespace LoadGenerator;

/// <summary>What the practice verification pass found.</summary>
/// <param name="Sessions">Practice sessions the run generated.</param>
/// <param name="MissingSessions">Of those, sessions with no practice_sessions row.</param>
/// <param name="AcknowledgedAnswers">Practice answers the server acknowledged.</param>
/// <param name="Found">Acknowledged answers found in <c>practice_answers</c> with the same response.</param>
/// <param name="Missing">Acknowledged answers with no row.</param>
/// <param name="Mismatched">Acknowledged answers whose row has another response.</param>
/// <param name="ExtraRows">Rows of the run's sessions that no acknowledgement accounts for.</param>
/// <param name="Completed">Sessions the server said it completed.</param>
/// <param name="NotCompleted">Of those, sessions whose row is not <c>completed</c>.</param>
/// <param name="Problems">The first problems found, described.</param>
public sealed record PracticeVerification(
    int Sessions, int MissingSessions, int AcknowledgedAnswers, int Found, int Missing, int Mismatched, int ExtraRows, int Completed, int NotCompleted,
    IReadOnlyList<string> Problems)
{
    /// <summary>Every acknowledged answer stored (the primary key makes it once), nothing else stored, every completion kept.</summary>
    public bool Passed => MissingSessions == 0 && Missing == 0 && Mismatched == 0 && ExtraRows == 0 && NotCompleted == 0;
}

/// <summary>
/// Checks a run's practice sessions against Postgres: each generated session has its row, each acknowledged answer is in
/// <c>practice_answers</c> with its response and the sessions have no other answers, and each session the server
/// completed is stored as completed.
/// </summary>
public sealed class PracticeVerifier(string postgresConnectionString)
{
    private const int MaxProblems = 20;

    private readonly string connectionString = new NpgsqlConnectionStringBuilder(postgresConnectionString) { Pooling = false }.ConnectionString;

    /// <summary>Verifies every session and acknowledged answer of <paramref name="ledger"/>.</summary>
    public async Task<PracticeVerification> VerifyAsync(PracticeLedger ledger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var sessionIds = ledger.Sessions.ToArray();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var statuses = new Dictionary<Guid, string>();
        await ReadAsync(connection, "SELECT id, status FROM practice_sessions WHERE id = ANY($1)", sessionIds,
            reader => statuses[reader.GetGuid(0)] = reader.GetString(1), cancellationToken);
        var stored = new Dictionary<(Guid Session, long Item), int>();
        await ReadAsync(connection, "SELECT session_id, item_id, response FROM practice_answers WHERE session_id = ANY($1)", sessionIds,
            reader => stored[(reader.GetGuid(0), reader.GetInt64(1))] = reader.GetInt32(2), cancellationToken);

        var problems = new List<string>();
        void Problem(string description)
        {
            if (problems.Count < MaxProblems) problems.Add(description);
        }
        int missingSessions = 0, acknowledged = 0, found = 0, missing = 0, mismatched = 0, completed = 0, notCompleted = 0;
        foreach (var sessionId in sessionIds)
        {
            if (!statuses.TryGetValue(sessionId, out var status))
            {
                missingSessions++;
                Problem($"practice session {sessionId}: no practice_sessions row");
            }
            if (ledger.IsCompleted(sessionId))
            {
                completed++;
                if (status != "completed")
                {
                    notCompleted++;
                    Problem($"practice session {sessionId}: completed by the server, stored as {status ?? "nothing"}");
                }
            }
            foreach (var answer in ledger.AnswersOf(sessionId))
            {
                acknowledged++;
                if (!stored.Remove((sessionId, answer.ItemId), out var response))
                {
                    missing++;
                    Problem($"practice session {sessionId} item {answer.ItemId}: acknowledged but not in practice_answers");
                }
                else if (response != answer.Response)
                {
                    mismatched++;
                    Problem($"practice session {sessionId} item {answer.ItemId}: acknowledged response {answer.Response}, stored {response}");
                }
                else
                {
                    found++;
                }
            }
        }
        // What is left was stored without an acknowledgement.
        foreach (var ((sessionId, itemId), _) in stored) Problem($"practice session {sessionId} item {itemId}: stored but never acknowledged");
        return new PracticeVerification(sessionIds.Length, missingSessions, acknowledged, found, missing, mismatched, stored.Count, completed, notCompleted, problems);
    }

    private static async Task ReadAsync(NpgsqlConnection connection, string sql, Guid[] sessionIds, Action<NpgsqlDataReader> row, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = sessionIds });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) row(reader);
    }
}
