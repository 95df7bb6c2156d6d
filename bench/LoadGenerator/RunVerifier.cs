using System.Text.Json;
using Engine.Design;
using Engine.State;
using ExamStore.Bank;
using ExamStore.Data;
using ExamStore.Designs;
using ExamStore.HotState;
using ExamStore.Sessions;
using Npgsql;

namespace LoadGenerator;

/// <summary>What the verification pass found.</summary>
/// <param name="Sessions">Sessions the run started.</param>
/// <param name="MissingSessions">Of those, sessions with no exam_sessions row.</param>
/// <param name="AcknowledgedAnswers">Answers the server acknowledged.</param>
/// <param name="Found">Acknowledged answers found in <c>attempts</c> once, with the same item and response.</param>
/// <param name="Missing">Acknowledged answers with no row at their position.</param>
/// <param name="Mismatched">Acknowledged answers whose row has another item or response.</param>
/// <param name="Duplicates">Rows beyond the first for one session and position, or for one session and item.</param>
/// <param name="ExtraRows">Rows of the run's sessions that no acknowledgement accounts for.</param>
/// <param name="CompletedExamsChecked">Completed exams whose final θ and SE were replayed.</param>
/// <param name="FinalThetaMismatches">Completed exams whose stored θ or SE differs (bitwise) from the Engine's replay.</param>
/// <param name="AnswerThetaChecked">Acknowledged answers whose returned θ and SE were replayed.</param>
/// <param name="AnswerThetaMismatches">Those whose θ or SE differs (bitwise) from the replay of the stored answers up to them.</param>
/// <param name="Problems">The first problems found, described.</param>
public sealed record VerificationResult(
    int Sessions, int MissingSessions, int AcknowledgedAnswers, int Found, int Missing, int Mismatched, int Duplicates, int ExtraRows,
    int CompletedExamsChecked, int FinalThetaMismatches, int AnswerThetaChecked, int AnswerThetaMismatches, IReadOnlyList<string> Problems)
{
    /// <summary>Every acknowledged answer stored exactly once, nothing else stored, and every θ replays.</summary>
    public bool Passed => MissingSessions == 0 && Missing == 0 && Mismatched == 0 && Duplicates == 0 && ExtraRows == 0
        && FinalThetaMismatches == 0 && AnswerThetaMismatches == 0;
}

/// <summary>
/// Checks a run against Postgres: every acknowledged answer (session, position = the answered count returned, item,
/// response) is in <c>attempts</c> exactly once and the run's sessions have no other rows; every completed exam's
/// final θ and SE, and every θ and SE the server acknowledged, equal the Engine's replay of the stored answers, bit for
/// bit. The Engine is composed by ExamStore's <see cref="ExamEngine"/> over the subject's items, exactly as the API does.
/// </summary>
public sealed class RunVerifier(string postgresConnectionString)
{
    private const int MaxProblems = 20;
    private const int ChunkSize = 5000;

    private readonly string connectionString = new NpgsqlConnectionStringBuilder(postgresConnectionString) { Pooling = false }.ConnectionString;

    /// <summary>Verifies every session and acknowledged answer of <paramref name="ledger"/>.</summary>
    public async Task<VerificationResult> VerifyAsync(AnswerLedger ledger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var sessionIds = ledger.Sessions.ToArray();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var attempts = new Dictionary<Guid, List<StoredAttempt>>();
        var sessions = new Dictionary<Guid, StoredSession>();
        foreach (var chunk in sessionIds.Chunk(ChunkSize))
        {
            await ReadAttemptsAsync(connection, chunk, attempts, cancellationToken);
            await ReadSessionsAsync(connection, chunk, sessions, cancellationToken);
        }
        var banks = await ReadBanksAsync(connection, sessions.Values.Select(s => s.Subject).Distinct().ToArray(), cancellationToken);

        var tally = new Tally();
        foreach (var sessionId in sessionIds)
        {
            var acknowledged = ledger.AnswersOf(sessionId);
            var stored = attempts.GetValueOrDefault(sessionId) ?? [];
            tally.AcknowledgedAnswers += acknowledged.Count;
            CheckRows(sessionId, acknowledged, stored, tally);
            if (!sessions.TryGetValue(sessionId, out var session))
            {
                tally.MissingSessions++;
                tally.Problem($"session {sessionId}: no exam_sessions row");
                continue;
            }
            CheckTheta(session, banks[session.Subject], acknowledged, stored, tally);
        }

        return new VerificationResult(sessionIds.Length, tally.MissingSessions, tally.AcknowledgedAnswers, tally.Found, tally.Missing, tally.Mismatched,
            tally.Duplicates, tally.ExtraRows, tally.CompletedExamsChecked, tally.FinalThetaMismatches, tally.AnswerThetaChecked, tally.AnswerThetaMismatches,
            tally.Problems);
    }

    private static void CheckRows(Guid sessionId, IReadOnlyList<AcknowledgedAnswer> acknowledged, List<StoredAttempt> stored, Tally tally)
    {
        tally.Duplicates += stored.Count - stored.Select(a => a.Seq).Distinct().Count();
        tally.Duplicates += stored.Count - stored.Select(a => a.ItemId).Distinct().Count();
        foreach (var answer in acknowledged)
        {
            var row = stored.Find(a => a.Seq == answer.Seq);
            if (row is null)
            {
                tally.Missing++;
                tally.Problem($"session {sessionId} answer {answer.Seq} (item {answer.ItemId}): acknowledged but not in attempts");
            }
            else if (row.ItemId != answer.ItemId || row.Response != answer.Response)
            {
                tally.Mismatched++;
                tally.Problem($"session {sessionId} answer {answer.Seq}: acknowledged item {answer.ItemId} response {answer.Response}, stored item {row.ItemId} response {row.Response}");
            }
            else
            {
                tally.Found++;
            }
        }
        foreach (var row in stored.Where(row => !acknowledged.Any(a => a.Seq == row.Seq)))
        {
            tally.ExtraRows++;
            tally.Problem($"session {sessionId} attempt {row.Seq} (item {row.ItemId}): stored but never acknowledged");
        }
    }

    private static void CheckTheta(StoredSession session, BankSnapshot bank, IReadOnlyList<AcknowledgedAnswer> acknowledged, List<StoredAttempt> stored, Tally tally)
    {
        var test = ExamEngine.Create(bank, session.Design);
        var items = stored.Select(a => bank.IndexOf(a.ItemId)).ToArray();
        var responses = stored.Select(a => a.Correct ? 1 : 0).ToArray();
        if (items.Contains(-1))
        {
            tally.FinalThetaMismatches++;
            tally.Problem($"session {session.Id}: an attempt's item is not in subject {session.Subject}");
            return;
        }

        ExamState Replay(int count) => test.Replay(items[..count], responses[..count], null, finished: true);

        if (session.Status == SessionStatus.Completed)
        {
            tally.CompletedExamsChecked++;
            var final = Replay(items.Length);
            if (!SameBits(final.Theta, session.Theta) || !SameSe(final.StandardError, session.Se))
            {
                tally.FinalThetaMismatches++;
                tally.Problem($"session {session.Id}: stored θ {session.Theta:R} SE {session.Se:R}, replay θ {final.Theta:R} SE {final.StandardError:R}");
            }
        }
        foreach (var answer in acknowledged)
        {
            // The replay of the stored answers up to this one: positions 1..Seq must all be stored for it to be the same pattern.
            var prefix = stored.FindIndex(a => a.Seq == answer.Seq) + 1;
            tally.AnswerThetaChecked++;
            var replayed = prefix == answer.Seq ? Replay(prefix) : null;
            if (replayed is null || !SameBits(replayed.Theta, answer.Theta) || !SameSe(replayed.StandardError, answer.Se))
            {
                tally.AnswerThetaMismatches++;
                tally.Problem($"session {session.Id} answer {answer.Seq}: acknowledged θ {answer.Theta:R} SE {answer.Se:R}, replay " +
                    (replayed is null ? "impossible (stored answers before it are missing)" : $"θ {replayed.Theta:R} SE {replayed.StandardError:R}"));
            }
        }
    }

    private static bool SameBits(double expected, double actual) => BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual);

    // The API stores and returns an infinite SE (no information yet) as null.
    private static bool SameSe(double replayed, double? stored) =>
        double.IsFinite(replayed) ? stored is { } value && SameBits(replayed, value) : stored is null;

    private static Task ReadAttemptsAsync(NpgsqlConnection connection, Guid[] sessionIds, Dictionary<Guid, List<StoredAttempt>> into, CancellationToken cancellationToken) =>
        ReadAsync(connection, "SELECT session_id, seq, item_id, response, correct FROM attempts WHERE session_id = ANY($1) ORDER BY session_id, seq", sessionIds, reader =>
        {
            var sessionId = reader.GetGuid(0);
            if (!into.TryGetValue(sessionId, out var list)) into[sessionId] = list = [];
            list.Add(new StoredAttempt(reader.GetInt32(1), reader.GetInt64(2), reader.GetInt32(3), reader.GetBoolean(4)));
        }, cancellationToken);

    private static Task ReadSessionsAsync(NpgsqlConnection connection, Guid[] sessionIds, Dictionary<Guid, StoredSession> into, CancellationToken cancellationToken) =>
        ReadAsync(connection, """
            SELECT s.id, s.subject, s.status, s.theta, s.se, v.key, v.design_id, v.version, v.definition::text
            FROM exam_sessions s JOIN exam_design_versions v ON v.key = s.design_key WHERE s.id = ANY($1)
            """, sessionIds, reader =>
        {
            var id = reader.GetGuid(0);
            var design = new DesignVersion(reader.GetInt64(5), reader.GetString(6), reader.GetInt32(7), reader.GetString(1),
                JsonSerializer.Deserialize<TestDesign>(reader.GetString(8), DesignJson.Options)!);
            into[id] = new StoredSession(id, reader.GetString(1), reader.GetString(2), reader.GetDouble(3), reader.IsDBNull(4) ? null : reader.GetDouble(4), design);
        }, cancellationToken);

    private static async Task<Dictionary<string, BankSnapshot>> ReadBanksAsync(NpgsqlConnection connection, string[] subjects, CancellationToken cancellationToken)
    {
        var items = new List<ItemEntity>();
        await ReadAsync(connection, "SELECT id, subject, topic, content, options, answer_key, a, b, c, d, status FROM items WHERE subject = ANY($1)", subjects, reader =>
            items.Add(new ItemEntity
            {
                Id = reader.GetInt64(0),
                Subject = reader.GetString(1),
                Topic = reader.GetString(2),
                Content = reader.GetString(3),
                Options = [.. reader.GetFieldValue<string[]>(4)],
                AnswerKey = reader.GetInt32(5),
                A = reader.GetDouble(6),
                B = reader.GetDouble(7),
                C = reader.GetDouble(8),
                D = reader.GetDouble(9),
                Status = reader.GetString(10),
            }), cancellationToken);
        // Replay needs only the items' parameters and order, so the snapshot's version number does not matter.
        return items.GroupBy(i => i.Subject).ToDictionary(g => g.Key, g => BankSnapshot.Create(g.Key, 0, g));
    }

    private static async Task ReadAsync(NpgsqlConnection connection, string sql, object parameter, Action<NpgsqlDataReader> row, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) row(reader);
    }

    private sealed record StoredAttempt(int Seq, long ItemId, int Response, bool Correct);

    private sealed record StoredSession(Guid Id, string Subject, string Status, double Theta, double? Se, DesignVersion Design);

    private sealed class Tally
    {
        public int MissingSessions;
        public int AcknowledgedAnswers;
        public int Found;
        public int Missing;
        public int Mismatched;
        public int Duplicates;
        public int ExtraRows;
        public int CompletedExamsChecked;
        public int FinalThetaMismatches;
        public int AnswerThetaChecked;
        public int AnswerThetaMismatches;
        public List<string> Problems { get; } = [];

        public void Problem(string description)
        {
            if (Problems.Count < MaxProblems) Problems.Add(description);
        }
    }
}
