using System.Net;
using ExamStore.Data;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ExamApi.Tests;

/// <summary>
/// The monthly partitions of attempts (migration 0005, <see cref="AttemptPartitions"/>) on the graph's Postgres: where
/// UUIDv7 sessions land, months created ahead, detaching, the admin endpoints, and the migration of a database at 0004.
/// Months in the far future stand in for past ones through a clock set ahead: before the migration instant everything
/// is the pre-partitioning range, so a real past month cannot be created here. Each test uses years of its own.
/// </summary>
[Collection(ExamGraphCollection.Name)]
public sealed class AttemptPartitionTests(ExamGraphFixture fixture) : IAsyncLifetime
{
    private readonly AdminApi admin = new(new ExamClient(fixture.CreateClient()));
    private NpgsqlDataSource? dataSource;

    private NpgsqlDataSource DataSource => dataSource ?? throw new InvalidOperationException("Not initialised.");

    public Task InitializeAsync()
    {
        dataSource = NpgsqlDataSource.Create(fixture.DatabaseConnectionString);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (dataSource is not null) await dataSource.DisposeAsync();
    }

    [Fact]
    public async Task A_new_exams_attempts_land_in_its_start_months_partition_and_a_retried_answer_stays_one_row()
    {
        var exam = await admin.Client.StartExamAsync(TestItemBank.Subjects[0], maxItems: 5);
        var item = fixture.Bank[exam.FirstItemId];
        for (var k = 0; k < 2; k++)
        {
            var answer = await admin.Client.AnswerAsync(exam.SessionId, item.Id, item.AnswerKey, exam.Token);
            Assert.True(answer.Status == HttpStatusCode.OK, answer.Body);
        }

        // Npgsql writes the Guid so that Postgres's text is the RFC form, whose leading 48 bits are the start time.
        Assert.Equal(exam.SessionId.ToString(), await fixture.ScalarAsync<string>("SELECT id::text FROM exam_sessions WHERE id = $1", exam.SessionId));
        var startedAt = await fixture.ScalarAsync<DateTime>("SELECT started_at FROM exam_sessions WHERE id = $1", exam.SessionId);
        Assert.InRange(AttemptPartitions.TimeOf(exam.SessionId), startedAt.AddSeconds(-5), startedAt.AddSeconds(5));
        Assert.Equal(1, await fixture.ScalarAsync<long>("SELECT count(*) FROM attempts WHERE session_id = $1 AND seq = 1", exam.SessionId));
        Assert.Equal(AttemptPartitions.NameOf(startedAt), await PartitionOfAsync(exam.SessionId));
    }

    [Fact]
    public async Task Ensuring_ahead_creates_the_missing_months_once_when_two_services_run_it_together()
    {
        var now = new DateTimeOffset(DateTime.UtcNow.Year + 10, 5, 17, 13, 0, 0, TimeSpan.Zero);
        var expected = Enumerable.Range(0, AttemptPartitions.MonthsAhead + 1).Select(k => AttemptPartitions.NameOf(now.AddMonths(k))).ToArray();

        var runs = await Task.WhenAll(Partitions(now).EnsureAheadAsync(CancellationToken.None), Partitions(now).EnsureAheadAsync(CancellationToken.None));

        Assert.Equal(expected, runs.SelectMany(names => names).Order());
        Assert.Empty(await Partitions(now).EnsureAheadAsync(CancellationToken.None));
        var listed = (await Partitions(now).ListAsync(CancellationToken.None)).Where(p => expected.Contains(p.Name)).ToArray();
        Assert.Equal(expected, listed.Select(p => p.Name));
        for (var k = 0; k < listed.Length; k++)
        {
            // Whole UTC months, back to back.
            var month = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(k);
            Assert.Equal((month, month.AddMonths(1)), (listed[k].FromTime, listed[k].ToTime));
            Assert.Equal(AttemptPartitions.Bound(month), listed[k].From);
        }
    }

    [Fact]
    public async Task A_session_started_in_a_month_far_ahead_writes_its_attempts_to_that_months_partition()
    {
        var start = new DateTimeOffset(DateTime.UtcNow.Year + 30, 1, 31, 23, 59, 59, TimeSpan.Zero).AddMilliseconds(999);
        var created = await Partitions(start).EnsureMonthsAsync(start, 2, CancellationToken.None);
        Assert.Equal([AttemptPartitions.NameOf(start), AttemptPartitions.NameOf(start.AddMonths(1))], created);

        // The last millisecond of January goes to January, the first of February to February: the bounds are exact.
        var lastOfJanuary = await InsertSessionWithAttemptAsync(start, "completed");
        var firstOfFebruary = await InsertSessionWithAttemptAsync(start.AddMilliseconds(1), "completed");

        Assert.Equal(AttemptPartitions.NameOf(start), await PartitionOfAsync(lastOfJanuary));
        Assert.Equal(AttemptPartitions.NameOf(start.AddMilliseconds(1)), await PartitionOfAsync(firstOfFebruary));
    }

    [Fact]
    public async Task Detaching_refuses_a_month_with_an_active_session_or_not_yet_past_and_detaches_an_ended_one_while_exams_go_on()
    {
        var month = new DateTimeOffset(DateTime.UtcNow.Year + 20, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var later = Partitions(month.AddMonths(3));
        await later.EnsureMonthsAsync(month, 4, CancellationToken.None);
        var ended = await InsertSessionWithAttemptAsync(month.AddDays(3), "completed");
        var active = await InsertSessionWithAttemptAsync(month.AddMonths(1).AddDays(3), "active");
        var (endedMonth, activeMonth, currentMonth) = (AttemptPartitions.NameOf(month), AttemptPartitions.NameOf(month.AddMonths(1)), AttemptPartitions.NameOf(month.AddMonths(3)));

        var refused = await later.DetachAsync(activeMonth, CancellationToken.None);
        Assert.Equal((DetachOutcome.ActiveSessions, 1L), (refused.Outcome, refused.Partition!.ActiveSessions));
        Assert.Equal(DetachOutcome.NotPast, (await later.DetachAsync(currentMonth, CancellationToken.None)).Outcome);
        // A month that ended less than the grace period ago is not past yet either.
        Assert.Equal(DetachOutcome.NotPast, (await Partitions(month.AddMonths(1).AddHours(1)).DetachAsync(endedMonth, CancellationToken.None)).Outcome);

        Assert.Equal(DetachOutcome.Detached, (await later.DetachAsync(endedMonth, CancellationToken.None)).Outcome);
        // A plain table now, with its rows, for archiving; attempts no longer has them.
        Assert.Equal(0L, await fixture.ScalarAsync<long>("SELECT count(*) FROM pg_inherits WHERE inhrelid = $1::regclass", endedMonth));
        Assert.Equal(1L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM {endedMonth} WHERE session_id = $1", ended));
        Assert.Equal(0L, await fixture.AttemptCountAsync(ended));
        Assert.Equal(DetachOutcome.NotFound, (await later.DetachAsync(endedMonth, CancellationToken.None)).Outcome);

        // Once its session has ended the other month goes too; two administrators detaching it at once get one detach
        // and one refusal, never an error.
        await fixture.ExecuteAsync("UPDATE exam_sessions SET status = 'abandoned', completed_at = now() WHERE id = $1", active);
        var both = await Task.WhenAll(later.DetachAsync(activeMonth, CancellationToken.None), Partitions(month.AddMonths(3)).DetachAsync(activeMonth, CancellationToken.None));
        Assert.Single(both, result => result.Outcome == DetachOutcome.Detached);
        Assert.Single(both, result => result.Outcome is DetachOutcome.DetachedMeanwhile or DetachOutcome.NotFound);
        await fixture.ExecuteAsync($"DROP TABLE {endedMonth}, {activeMonth}");

        // Exams go on: one starts, is answered into this month's partition.
        var exam = await admin.Client.StartExamAsync(TestItemBank.Subjects[1], maxItems: 5);
        var item = fixture.Bank[exam.FirstItemId];
        var answer = await admin.Client.AnswerAsync(exam.SessionId, item.Id, item.AnswerKey, exam.Token);
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Body);
        Assert.Equal(AttemptPartitions.NameOf(DateTimeOffset.UtcNow), await PartitionOfAsync(exam.SessionId));
    }

    [Fact]
    public async Task The_admin_endpoints_list_the_partitions_and_refuse_to_detach_the_current_month_an_unknown_or_malformed_name()
    {
        var exam = await admin.Client.StartExamAsync(TestItemBank.Subjects[0], maxItems: 5);
        var current = AttemptPartitions.NameOf(DateTimeOffset.UtcNow);

        var listed = await admin.GetAsync("/api/attempts/partitions");
        Assert.True(listed.Status == HttpStatusCode.OK, listed.Body);
        var partitions = listed.Json!.AsArray();
        Assert.Equal("attempts_legacy", partitions[0]!["name"]!.GetValue<string>());
        Assert.Null(partitions[0]!["from"]);
        var thisMonth = partitions.Single(p => p!["name"]!.GetValue<string>() == current)!;
        Assert.True(thisMonth["activeSessions"]!.GetValue<long>() >= 1);
        Assert.False(thisMonth["allSessionsEnded"]!.GetValue<bool>());
        for (var k = 1; k <= AttemptPartitions.MonthsAhead; k++)
            Assert.Contains(partitions, p => p!["name"]!.GetValue<string>() == AttemptPartitions.NameOf(DateTimeOffset.UtcNow.AddMonths(k)));

        var refused = await admin.PostAsync($"/api/attempts/partitions/{current}/detach", new { });
        Assert.True(refused.Status == HttpStatusCode.Conflict, refused.Body);
        Assert.Equal("name", refused.Field);
        var unknown = await admin.PostAsync("/api/attempts/partitions/attempts_1999_01/detach", new { });
        Assert.True(unknown.Status == HttpStatusCode.NotFound, unknown.Body);
        var malformed = await admin.PostAsync("/api/attempts/partitions/exam_sessions/detach", new { });
        Assert.True(malformed.Status == HttpStatusCode.BadRequest, malformed.Body);
        Assert.Equal("name", malformed.Field);
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.Client.GetAsync("/api/attempts/partitions", null, "wrong-key")).Status);
    }

    [Fact]
    public async Task Migration_0005_keeps_every_row_and_constraint_of_a_database_at_0004()
    {
        // Migrations 0001-0004 in a schema of their own, with data, then 0005; all rolled back at the end.
        await using var connection = await DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await ExecuteAsync(connection, "CREATE SCHEMA partition_migration; SET LOCAL search_path = partition_migration;");
        foreach (var migration in DatabaseMigrator.Shipped.Where(m => m.Version <= 4)) await ExecuteAsync(connection, migration.Sql);
        // 300 sessions over the past year (v7 ids of their start), every tenth still active, 8 attempts each.
        await ExecuteAsync(connection, """
            INSERT INTO items (subject, topic, content, options, answer_key, a, b)
            SELECT 'm', 't', 'q' || n, ARRAY['a', 'b'], 1, 1, 0 FROM generate_series(1, 10) n;
            """);
        var now = DateTimeOffset.UtcNow;
        var sessions = Enumerable.Range(0, 300).Select(n => Guid.CreateVersion7(now.AddDays(-n * 1.2).AddMinutes(-n))).ToArray();
        await ExecuteAsync(connection, """
            INSERT INTO exam_sessions (id, student_id, subject, configuration, bank_version, status, theta, first_selection, started_at, last_activity_at)
            SELECT id, 's', 'm', '{}', 1, CASE WHEN n % 10 = 0 THEN 'active' ELSE 'completed' END, 0, '{}', now(), now()
            FROM unnest($1::uuid[]) WITH ORDINALITY AS s (id, n)
            """, sessions);
        await ExecuteAsync(connection, """
            INSERT INTO attempts (session_id, seq, item_id, response, correct, theta_after, se_after, served_at, answered_at, next_selection)
            SELECT s.id, k, (SELECT min(id) FROM items) + k, k % 2, k % 2 = 1, k * 0.1, 0.5, now(), now(), jsonb_build_object('k', k)
            FROM exam_sessions s CROSS JOIN generate_series(1, 8) k
            """);
        const string Contents = "SELECT count(*)::text || ':' || md5(string_agg(a::text, ',' ORDER BY session_id, seq)) FROM attempts a";
        var before = await ScalarAsync<string>(connection, Contents);

        await ExecuteAsync(connection, DatabaseMigrator.Shipped.Single(m => m.Version == 5).Sql);

        Assert.Equal(before, await ScalarAsync<string>(connection, Contents));
        Assert.StartsWith("2400:", before);
        Assert.Equal(2400L, await ScalarAsync<long>(connection, "SELECT count(*) FROM attempts WHERE tableoid = 'attempts_legacy'::regclass"));
        Assert.Equal("p", await ScalarAsync<string>(connection, "SELECT relkind::text FROM pg_class WHERE oid = 'attempts'::regclass"));
        Assert.Equal(
            "attempts_item_id_fkey f FOREIGN KEY (item_id) REFERENCES items(id)|attempts_pkey p PRIMARY KEY (session_id, seq)|"
            + "attempts_response_check c CHECK ((response >= 0))|attempts_seq_check c CHECK ((seq >= 1))|"
            + "attempts_session_id_fkey f FOREIGN KEY (session_id) REFERENCES exam_sessions(id)|attempts_session_id_item_id_key u UNIQUE (session_id, item_id)",
            await ScalarAsync<string>(connection, """
                SELECT string_agg(conname || ' ' || contype::text || ' ' || pg_get_constraintdef(oid), '|' ORDER BY conname)
                FROM pg_constraint WHERE conrelid = 'attempts'::regclass
                """));
        Assert.Equal(
            "attempts_legacy_pkey|attempts_legacy_session_id_item_id_key",
            await ScalarAsync<string>(connection, "SELECT string_agg(indexrelid::regclass::text, '|' ORDER BY 1) FROM pg_index WHERE indrelid = 'attempts_legacy'::regclass"));
        var months = Enumerable.Range(0, AttemptPartitions.MonthsAhead + 1).Select(k => AttemptPartitions.NameOf(now.AddMonths(k)));
        Assert.Equal(string.Join(',', months.Append("attempts_legacy").Order(StringComparer.Ordinal)), await ScalarAsync<string>(connection, """
            SELECT string_agg(inhrelid::regclass::text, ',' ORDER BY inhrelid::regclass::text COLLATE "C") FROM pg_inherits WHERE inhparent = 'attempts'::regclass
            """));

        // The constraints still hold across the old rows: a second attempt at a recorded position or item is refused.
        await ExecuteAsync(connection, "SAVEPOINT duplicate");
        var duplicate = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection,
            "INSERT INTO attempts SELECT session_id, 9, item_id, 0, false, 0, null, now(), now(), null FROM attempts WHERE seq = 1 LIMIT 1"));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, duplicate.SqlState);
        await transaction.RollbackAsync();
    }

    private AttemptPartitions Partitions(DateTimeOffset now) => new(DataSource, new FixedClock(now), NullLogger<AttemptPartitions>.Instance);

    private Task<string> PartitionOfAsync(Guid sessionId) =>
        fixture.ScalarAsync<string>("SELECT DISTINCT tableoid::regclass::text FROM attempts WHERE session_id = $1", sessionId);

    // A session started at `start` (a UUIDv7 of that instant) with one attempt, written straight into Postgres.
    private async Task<Guid> InsertSessionWithAttemptAsync(DateTimeOffset start, string status)
    {
        var sessionId = Guid.CreateVersion7(start);
        var item = fixture.Bank.ItemsOf(TestItemBank.Subjects[0])[0];
        await fixture.ExecuteAsync("""
            INSERT INTO exam_sessions (id, student_id, subject, configuration, bank_version, status, theta, first_selection, started_at, last_activity_at)
            VALUES ($1, 'partition-tests', $2, '{}', 1, $3, 0, '{}', now(), now())
            """, sessionId, item.Subject, status);
        await fixture.ExecuteAsync("""
            INSERT INTO attempts (session_id, seq, item_id, response, correct, theta_after, se_after, served_at, answered_at)
            VALUES ($1, 1, $2, 0, false, 0, null, now(), now())
            """, sessionId, item.Id);
        return sessionId;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters) command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
