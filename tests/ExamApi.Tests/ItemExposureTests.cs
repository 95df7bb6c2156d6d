using System.Net;
using System.Text.Json.Nodes;
using Engine.Models;
using ExamStore.Data;
using ExamStore.HotState;
using IrtTool;
using Npgsql;

namespace ExamApi.Tests;

/// <summary>
/// Item exposure across exams (counted when an exam ends, however it ends, exactly once) and its report, and the bank
/// export read back by the irt tool. Each test works on a subject of its own, so the counts are its exams alone.
/// </summary>
[Collection(ExamGraphCollection.Name)]
public sealed class ItemExposureTests(ExamGraphFixture fixture)
{
    private readonly AdminApi admin = new(new ExamClient(fixture.CreateClient()));

    private ExamClient Client => admin.Client;

    [Fact]
    public async Task Exposure_counts_every_ended_exam_once_with_its_items_and_rates_and_overlap_follow()
    {
        var subject = AdminApi.NewSubject("exposure");
        var imported = await admin.ImportAsync(Enumerable.Range(0, 12).Select(n => AdminApi.Item(subject, topic: $"t{n % 3}", n: n, b: -1.5 + 0.25 * n)));
        var runs = new List<ExamRun>();

        // Ended by their final answers; the first one's final answer is sent again (a retry) and must not count twice.
        for (var k = 0; k < 4; k++) runs.Add(await RunAsync(subject, answers: int.MaxValue));
        var (lastItem, lastResponse) = runs[0].LastAnswer!.Value;
        var retried = await Client.AnswerAsync(runs[0].Exam.SessionId, lastItem, lastResponse, runs[0].Exam.Token);
        Assert.True(retried.Status == HttpStatusCode.OK, retried.Body);

        // Completed by the student with an item waiting (it counts: the student saw it), then completed again.
        var completedEarly = await RunAsync(subject, answers: 2);
        runs.Add(completedEarly);
        for (var k = 0; k < 2; k++) Assert.Equal(HttpStatusCode.OK, (await CompleteAsync(completedEarly)).Status);

        // Completed three times at once before any answer: only its first item was administered, once.
        var completedTogether = await RunAsync(subject, answers: 0);
        runs.Add(completedTogether);
        Assert.All(await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => CompleteAsync(completedTogether))), r => Assert.Equal(HttpStatusCode.OK, r.Status));

        // Abandoned by the sweep after one answer, with its second item waiting.
        var idle = await RunAsync(subject, answers: 1);
        runs.Add(idle);
        await AbandonAsync(idle.Exam.SessionId);

        var administered = await AdministeredAsync(subject, runs);
        var exams = runs.Count;
        var expected = imported.Select(i => i!["id"]!.GetValue<long>())
            .ToDictionary(id => id, id => administered.Count(set => set.Contains(id)));

        var report = await ExposureAsync(subject);
        Assert.Equal(subject, report["subject"]!.GetValue<string>());
        Assert.Equal(exams, report["exams"]!.GetValue<long>());
        var items = report["items"]!.AsArray();
        Assert.Equal(imported.Count, items.Count);
        Assert.Equal(imported.Count, report["itemCount"]!.GetValue<int>());
        foreach (var item in items)
        {
            var id = item!["itemId"]!.GetValue<long>();
            Assert.True(expected[id] == item["administrations"]!.GetValue<long>(), $"item {id}: {item.ToJsonString()}, expected {expected[id]}");
            Assert.Equal((double)expected[id] / exams, item["exposureRate"]!.GetValue<double>(), 12);
            Assert.False(item["retired"]!.GetValue<bool>());
        }
        var rates = items.Select(i => i!["exposureRate"]!.GetValue<double>()).ToArray();
        Assert.Equal(rates.OrderByDescending(r => r), rates);
        Assert.Equal(rates.Max(), report["maxExposureRate"]!.GetValue<double>());
        Assert.Equal(expected.Values.Count(n => n == 0), report["itemsNeverAdministered"]!.GetValue<int>());
        var meanLength = administered.Average(set => set.Count);
        Assert.Equal(meanLength, report["meanTestLength"]!.GetValue<double>(), 12);

        // Brute force over the pairs of exams: the items they share, as a share of the mean test length.
        var shared = 0;
        var pairs = 0;
        for (var j = 0; j < administered.Count; j++)
        {
            for (var k = j + 1; k < administered.Count; k++)
            {
                shared += administered[j].Intersect(administered[k]).Count();
                pairs++;
            }
        }
        Assert.Equal((double)shared / pairs / meanLength, report["meanPairwiseOverlap"]!.GetValue<double>(), 12);

        // top pages the same order; a retired item keeps its counts and says it is retired.
        var top = (await ExposureAsync(subject, "&top=3"))["items"]!.AsArray();
        Assert.Equal(items.Take(3).Select(i => i!.ToJsonString()), top.Select(i => i!.ToJsonString()));
        var mostExposed = items[0]!["itemId"]!.GetValue<long>();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/items/{mostExposed}/retire", new { })).Status);
        var afterRetiring = (await ExposureAsync(subject))["items"]!.AsArray().Single(i => i!["itemId"]!.GetValue<long>() == mostExposed)!;
        Assert.True(afterRetiring["retired"]!.GetValue<bool>());
        Assert.Equal(expected[mostExposed], afterRetiring["administrations"]!.GetValue<long>());

        // The migration's backfill, run now, counts these ended exams exactly as they were counted when they ended.
        var (backfilledItems, backfilledSubject) = await BackfillAsync(subject);
        Assert.Equal(expected.Where(e => e.Value > 0).OrderBy(e => e.Key).Select(e => (e.Key, (long)e.Value)), backfilledItems);
        Assert.Equal((exams, administered.Sum(set => (long)set.Count)), backfilledSubject);
    }

    [Fact]
    public async Task A_subject_without_ended_exams_has_zero_rates_and_no_overlap()
    {
        var subject = AdminApi.NewSubject("unexposed");
        await admin.ImportAsync(Enumerable.Range(0, 3).Select(n => AdminApi.Item(subject, n: n)));
        await Client.StartExamAsync(subject, maxItems: 2);

        var report = await ExposureAsync(subject);
        Assert.Equal(0, report["exams"]!.GetValue<long>());
        Assert.Equal(0, report["maxExposureRate"]!.GetValue<double>());
        Assert.Equal(0, report["meanTestLength"]!.GetValue<double>());
        Assert.Null(report["meanPairwiseOverlap"]);
        Assert.Equal(3, report["itemsNeverAdministered"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("/api/items/exposure?subject=test-math")]
    [InlineData("/api/items/export?subject=test-math")]
    public async Task Exposure_and_export_need_the_admin_key(string path)
    {
        foreach (var key in new[] { null, "wrong-key", "" })
        {
            var response = await Client.GetAsync(path, null, key);
            Assert.True(response.Status == HttpStatusCode.Unauthorized, $"{path} with key '{key}': {(int)response.Status} {response.Body}");
        }
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(path)).Status);
    }

    [Theory]
    [InlineData("/api/items/exposure", "subject")]
    [InlineData("/api/items/exposure?subject=", "subject")]
    [InlineData("/api/items/exposure?subject=no-such-subject", "subject")]
    [InlineData("/api/items/exposure?subject=test-math&top=0", "top")]
    [InlineData("/api/items/export", "subject")]
    [InlineData("/api/items/export?subject=no-such-subject", "subject")]
    public async Task A_missing_or_unknown_subject_is_a_400_naming_it(string path, string field)
    {
        var response = await admin.GetAsync(path);
        Assert.True(response.Status == HttpStatusCode.BadRequest, response.Body);
        Assert.Equal(field, response.Field);
    }

    [Fact]
    public async Task The_export_reads_back_in_irt_with_the_database_parameters_topics_and_ids()
    {
        var subject = AdminApi.NewSubject("export");
        var imported = await admin.ImportAsync(Enumerable.Range(0, 6).Select(n =>
        {
            var item = AdminApi.Item(subject, topic: n % 2 == 0 ? "even" : "odd", n: n, b: -2 + 0.7 * n);
            item["a"] = 0.6 + 0.31 * n;
            item["c"] = 0.03 * n;
            item["d"] = 1 - 0.011 * n;
            return item;
        }));
        var retired = imported[2]!["id"]!.GetValue<long>();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/items/{retired}/retire", new { })).Status);

        var active = await ReadBackAsync(subject, "");
        Assert.Equal(await DatabaseBankAsync(subject, includeRetired: false), active);
        Assert.DoesNotContain(retired, active.Select(i => i.Id));
        var all = await ReadBackAsync(subject, "&includeRetired=true");
        Assert.Equal(await DatabaseBankAsync(subject, includeRetired: true), all);
        Assert.Equal(6, all.Count);

        var allRetired = AdminApi.NewSubject("retired");
        var only = (await admin.ImportAsync([AdminApi.Item(allRetired)]))[0]!["id"]!.GetValue<long>();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/items/{only}/retire", new { })).Status);
        var refused = await admin.GetAsync($"/api/items/export?subject={allRetired}");
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("subject", refused.Field);
    }

    private sealed record ExamRun(StartedExam Exam, long? Waiting, (long ItemId, int Response)? LastAnswer);

    private sealed record BankRow(long Id, double A, double B, double C, double D, string Topic);

    // Answers up to `answers` items (the key on even steps, a wrong option on odd ones), or until the exam ends.
    private async Task<ExamRun> RunAsync(string subject, int answers)
    {
        var exam = await Client.StartExamAsync(subject, maxItems: 4);
        long? waiting = exam.FirstItemId;
        (long, int)? last = null;
        for (var k = 0; k < answers && waiting is { } itemId; k++)
        {
            var response = k % 2 == 0 ? 2 : 0;
            var answer = await Client.AnswerAsync(exam.SessionId, itemId, response, exam.Token);
            Assert.True(answer.Status == HttpStatusCode.OK, answer.Body);
            last = (itemId, response);
            waiting = answer.Json!["nextItem"]?["id"]?.GetValue<long>();
        }
        return new ExamRun(exam, waiting, last);
    }

    private Task<ApiResponse> CompleteAsync(ExamRun run) =>
        Client.PostJsonAsync("/api/adaptive/complete", new { sessionId = run.Exam.SessionId }, run.Exam.Token);

    // Makes the session idle for two hours as far as Postgres knows, drops its hot state (so the sweep goes by Postgres
    // alone), and sweeps until it is abandoned: a sweep the CleanupWorker is running makes the manual one skip.
    private async Task AbandonAsync(Guid sessionId)
    {
        await fixture.ExecuteAsync("UPDATE exam_sessions SET started_at = started_at - interval '2 hours', last_activity_at = last_activity_at - interval '2 hours' WHERE id = $1", sessionId);
        await fixture.ExecuteAsync("UPDATE attempts SET served_at = served_at - interval '2 hours', answered_at = answered_at - interval '2 hours' WHERE session_id = $1", sessionId);
        await new SessionStateStore(fixture.Redis, new HotStateOptions()).RemoveAsync(sessionId);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await fixture.ScalarAsync<string>("SELECT status FROM exam_sessions WHERE id = $1", sessionId) == "active")
        {
            Assert.True(DateTime.UtcNow < deadline, "The session was not abandoned.");
            var sweep = await admin.PostAsync("/api/sessions/cleanup", new { inactivityMinutes = 60 });
            Assert.True(sweep.Status == HttpStatusCode.OK, sweep.Body);
            if (sweep.Json!["skipped"]!.GetValue<bool>()) await Task.Delay(200);
        }
        Assert.Equal("abandoned", await fixture.ScalarAsync<string>("SELECT status FROM exam_sessions WHERE id = $1", sessionId));
    }

    // What each exam administered, independently of the server's counting: its attempt rows, plus the item it left
    // waiting as the API served it. Every exam must have ended.
    private async Task<List<HashSet<long>>> AdministeredAsync(string subject, IReadOnlyList<ExamRun> runs)
    {
        var byExam = runs.ToDictionary(r => r.Exam.SessionId, r => r.Waiting is { } waiting ? new HashSet<long> { waiting } : []);
        await using var connection = new NpgsqlConnection(fixture.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT s.id, s.status, a.item_id FROM exam_sessions s LEFT JOIN attempts a ON a.session_id = s.id WHERE s.subject = $1
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = subject });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var sessionId = reader.GetGuid(0);
            Assert.NotEqual("active", reader.GetString(1));
            if (!reader.IsDBNull(2)) byExam[sessionId].Add(reader.GetInt64(2));
        }
        return [.. byExam.Values];
    }

    // Runs migration 0003 in a schema of its own (its tables there, the sessions and attempts it reads from the live
    // schema), reads what it backfilled for the subject, and rolls it all back.
    private async Task<(List<(long ItemId, long Administrations)> Items, (long Exams, long ItemsAdministered) Subject)> BackfillAsync(string subject)
    {
        await using var connection = new NpgsqlConnection(fixture.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var migration = DatabaseMigrator.Shipped.Single(m => m.Version == 3);
        await using (var setup = new NpgsqlCommand("CREATE SCHEMA exposure_backfill; SET LOCAL search_path = exposure_backfill, public;", connection, transaction))
        {
            await setup.ExecuteNonQueryAsync();
        }
        await using (var backfill = new NpgsqlCommand(migration.Sql, connection, transaction))
        {
            await backfill.ExecuteNonQueryAsync();
        }
        var items = new List<(long, long)>();
        await using (var read = new NpgsqlCommand("SELECT item_id, administrations FROM exposure_backfill.item_exposure WHERE subject = $1 ORDER BY item_id", connection, transaction))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = subject });
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync()) items.Add((reader.GetInt64(0), reader.GetInt64(1)));
        }
        (long, long) counts;
        await using (var read = new NpgsqlCommand("SELECT exams, items_administered FROM exposure_backfill.subject_exposure WHERE subject = $1", connection, transaction))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = subject });
            await using var reader = await read.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            counts = (reader.GetInt64(0), reader.GetInt64(1));
        }
        await transaction.RollbackAsync();
        return (items, counts);
    }

    private async Task<JsonNode> ExposureAsync(string subject, string query = "")
    {
        var response = await admin.GetAsync($"/api/items/exposure?subject={subject}{query}");
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        return response.Json!;
    }

    // The export, saved as a file and read by irt's bank reader with the scaling it states.
    private async Task<List<BankRow>> ReadBackAsync(string subject, string query)
    {
        var export = await admin.GetAsync($"/api/items/export?subject={subject}{query}");
        Assert.True(export.Status == HttpStatusCode.OK, export.Body);
        var path = Path.Combine(Path.GetTempPath(), $"exported-bank-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, export.Body);
        try
        {
            var content = BankFile.Read(path, export.Json!["scaling"]!.GetValue<double>());
            Assert.NotNull(content.ItemIds);
            return Enumerable.Range(0, content.Bank.Count).Select(k =>
            {
                var item = Assert.IsType<LogisticItem>(content.Bank[k]);
                return new BankRow(content.ItemIds[k], item.A, item.B, item.C, item.D, content.Bank.TopicOf(k));
            }).ToList();
        }
        finally
        {
            File.Delete(path);
        }
    }

    private async Task<List<BankRow>> DatabaseBankAsync(string subject, bool includeRetired)
    {
        var rows = new List<BankRow>();
        await using var connection = new NpgsqlConnection(fixture.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, a, b, c, d, topic FROM items WHERE subject = $1 AND (status = 'active' OR $2) ORDER BY id", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = subject });
        command.Parameters.Add(new NpgsqlParameter { Value = includeRetired });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new BankRow(reader.GetInt64(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetDouble(3), reader.GetDouble(4), reader.GetString(5)));
        }
        return rows;
    }
}
