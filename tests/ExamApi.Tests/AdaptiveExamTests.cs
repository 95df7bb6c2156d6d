using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Engine.Estimation;
using ExamStore.HotState;
using StackExchange.Redis;

namespace ExamApi.Tests;

/// <summary>Whole exams through the API against real Redis and Postgres: results, idempotency, privacy of Redis, TTL, history.</summary>
[Collection(ExamGraphCollection.Name)]
public sealed class AdaptiveExamTests(ExamGraphFixture fixture)
{
    private readonly ExamClient client = new(fixture.CreateClient());

    [Fact]
    public async Task FullExamMatchesTheEngineBitForBitUntilAStoppingRuleAndCompletes()
    {
        const string subject = "test-math";
        var studentId = $"student-{Guid.NewGuid():N}";
        var exam = await client.StartExamAsync(subject, maxItems: 20, seTarget: 0.4, studentId: studentId);
        var started = exam.Response;
        Assert.Equal($"/api/adaptive/{exam.SessionId}", started.Message.Headers.Location?.OriginalString);
        Assert.Equal(0, started.Json!["answered"]!.GetValue<int>());
        Assert.Equal(20, started.Json["maxItems"]!.GetValue<int>());
        var first = started.Json["item"]!;
        Assert.Equal(fixture.Bank[exam.FirstItemId].Options, first["options"]!.AsArray().Select(o => o!.GetValue<string>()));
        Assert.Null(first["answerKey"]);

        var engine = new EngineReplica(fixture.Bank, subject, 20, 0.4, exam.FirstItemId);
        EngineReplica.AssertBits(engine.State.Theta, started.Json["theta"]!.GetValue<double>(), "theta at start");
        EngineReplica.AssertBits(engine.State.StandardError, started.Json["se"]!.GetValue<double>(), "se at start");

        JsonNode last;
        do
        {
            // A reconnecting student (any device, same token) gets the same item, as often as it asks.
            var next = await client.GetAsync($"/api/adaptive/next?sessionId={exam.SessionId}", exam.Token);
            Assert.Equal(HttpStatusCode.OK, next.Status);
            Assert.Equal(engine.CurrentItemId, next.Json!["id"]!.GetValue<long>());
            last = await engine.AnswerAndCheckAsync(client, exam, trueTheta: 0.7);
        }
        while (!last["done"]!.GetValue<bool>());

        var answered = engine.State.Count;
        Assert.Equal(answered, await fixture.AttemptCountAsync(exam.SessionId));
        var engineBank = fixture.Bank.EngineBank(subject);
        var estimator = new ExpectedAPosterioriEstimator();
        var topics = last["proficiency"]!.AsObject();
        foreach (var group in Enumerable.Range(0, answered).GroupBy(k => engineBank.TopicOf(engine.State.Items[k])))
        {
            var estimate = estimator.Estimate(engineBank, group.Select(k => engine.State.Items[k]).ToArray(), group.Select(k => engine.State.Responses[k]).ToArray());
            EngineReplica.AssertBits(estimate.Theta, topics[group.Key]!.GetValue<double>(), $"proficiency[{group.Key}]");
        }

        var over = await client.GetAsync($"/api/adaptive/next?sessionId={exam.SessionId}", exam.Token);
        Assert.Equal(HttpStatusCode.NotFound, over.Status);
        Assert.Equal("No current item", over.Json!["title"]!.GetValue<string>());

        var status = await client.GetAsync($"/api/adaptive/{exam.SessionId}", exam.Token);
        Assert.Equal("completed", status.Json!["state"]!.GetValue<string>());
        Assert.Equal(engine.LastStep!.Stop.Rule, status.Json["stopReason"]!.GetValue<string>());
        EngineReplica.AssertBits(engine.State.Theta, status.Json["theta"]!.GetValue<double>(), "final theta");

        var summary = await client.PostJsonAsync("/api/adaptive/complete", new { sessionId = exam.SessionId }, exam.Token);
        Assert.Equal(HttpStatusCode.OK, summary.Status);
        Assert.Equal(engine.LastStep.Stop.Rule, summary.Json!["stopReason"]!.GetValue<string>());
        Assert.Equal(answered, summary.Json["answered"]!.GetValue<int>());

        var history = await client.GetAsync($"/api/adaptive/{exam.SessionId}/history", exam.Token);
        Assert.Equal(HttpStatusCode.OK, history.Status);
        var steps = history.Json!["steps"]!.AsArray();
        Assert.Equal(answered, steps.Count);
        Assert.Equal(exam.FirstItemId, steps[0]!["itemId"]!.GetValue<long>());
        Assert.All(steps, step => Assert.Equal(step!["itemId"]!.GetValue<long>(), step["choice"]!["itemId"]!.GetValue<long>()));
        EngineReplica.AssertBits(engine.State.Theta, steps[^1]!["theta"]!.GetValue<double>(), "history theta");

        var proficiency = await client.GetAsync($"/api/students/{studentId}/proficiency", null, ExamGraphFixture.AdminKey);
        Assert.Equal(HttpStatusCode.OK, proficiency.Status);
        var subjectEntry = Assert.Single(proficiency.Json!["subjects"]!.AsArray())!;
        Assert.Equal(subject, subjectEntry["subject"]!.GetValue<string>());
        EngineReplica.AssertBits(engine.State.Theta, subjectEntry["theta"]!.GetValue<double>(), "subject proficiency");
        Assert.Equal(topics.Select(t => t.Key).Order(), subjectEntry["topics"]!.AsObject().Select(t => t.Key).Order());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"/api/students/{studentId}/proficiency", null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"/api/students/{studentId}/proficiency", null, "wrong-key")).Status);
    }

    [Fact]
    public async Task EachCompletedExamFoldsIntoTheStudentsProficiencyByPrecisionWeighting()
    {
        // The first exam ends by its stopping rule (the final answer's statement), the second by the student (the
        // completion's transaction): both paths must update overall and per-topic proficiency the same way.
        const string subject = "test-math";
        var studentId = $"student-{Guid.NewGuid():N}";
        var engineBank = fixture.Bank.EngineBank(subject);
        var estimator = new ExpectedAPosterioriEstimator();
        Dictionary<string, (double Theta, double Se)> Contribution(EngineReplica engine)
        {
            var contribution = new Dictionary<string, (double, double)> { [""] = (engine.State.Theta, engine.State.StandardError) };
            foreach (var group in Enumerable.Range(0, engine.State.Count).GroupBy(k => engineBank.TopicOf(engine.State.Items[k])))
            {
                var estimate = estimator.Estimate(engineBank, group.Select(k => engine.State.Items[k]).ToArray(), group.Select(k => engine.State.Responses[k]).ToArray());
                contribution[group.Key] = (estimate.Theta, estimate.StandardError);
            }
            return contribution;
        }

        var first = await client.StartExamAsync(subject, maxItems: 8, studentId: studentId);
        var firstEngine = new EngineReplica(fixture.Bank, subject, 8, null, first.FirstItemId);
        while (!(await firstEngine.AnswerAndCheckAsync(client, first, trueTheta: 1.2))["done"]!.GetValue<bool>()) { }
        var second = await client.StartExamAsync(subject, maxItems: 8, studentId: studentId);
        var secondEngine = new EngineReplica(fixture.Bank, subject, 8, null, second.FirstItemId);
        for (var k = 0; k < 3; k++) await secondEngine.AnswerAndCheckAsync(client, second, trueTheta: -0.5);
        var completed = await client.PostJsonAsync("/api/adaptive/complete", new { sessionId = second.SessionId }, second.Token);
        Assert.True(completed.Status == HttpStatusCode.OK, completed.Body);
        Assert.Equal("completed_by_student", completed.Json!["stopReason"]!.GetValue<string>());

        var (older, newer) = (Contribution(firstEngine), Contribution(secondEngine));
        var response = await client.GetAsync($"/api/students/{studentId}/proficiency", null, ExamGraphFixture.AdminKey);
        Assert.Equal(HttpStatusCode.OK, response.Status);
        var entry = Assert.Single(response.Json!["subjects"]!.AsArray())!;
        var stored = new Dictionary<string, JsonNode> { [""] = entry };
        foreach (var (topic, value) in entry["topics"]!.AsObject()) stored[topic] = value!;
        Assert.Equal(older.Keys.Union(newer.Keys).Order(), stored.Keys.Order());
        foreach (var (topic, row) in stored)
        {
            var (theta, se, sessions) = (older.TryGetValue(topic, out var a), newer.TryGetValue(topic, out var b)) switch
            {
                (true, true) => ((a.Theta * 0.5 / (a.Se * a.Se) + b.Theta / (b.Se * b.Se)) / (0.5 / (a.Se * a.Se) + 1 / (b.Se * b.Se)),
                                 1 / Math.Sqrt(0.5 / (a.Se * a.Se) + 1 / (b.Se * b.Se)), 2),
                (true, false) => (a.Theta, a.Se, 1),
                _ => (b.Theta, b.Se, 1),
            };
            Assert.Equal(theta, row["theta"]!.GetValue<double>(), 1e-12);
            Assert.Equal(se, row["se"]!.GetValue<double>(), 1e-12);
            Assert.Equal(sessions, row["sessions"]!.GetValue<int>());
        }
    }

    [Fact]
    public async Task FiftyConcurrentIdenticalSubmitsRecordOneAttemptAndAllGetTheSameResult()
    {
        var exam = await client.StartExamAsync("test-physics");
        var (response, _) = EngineReplica.Respond(fixture.Bank[exam.FirstItemId], 0);
        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => client.AnswerAsync(exam.SessionId, exam.FirstItemId, response, exam.Token)));

        Assert.All(results, r => Assert.True(r.Status == HttpStatusCode.OK, r.Body));
        Assert.Single(results.Select(r => r.Body).Distinct());
        Assert.Equal(1, await fixture.AttemptCountAsync(exam.SessionId));

        // A later retry still gets the recorded result; a different response to the same item is a conflict.
        var retry = await client.AnswerAsync(exam.SessionId, exam.FirstItemId, response, exam.Token);
        Assert.Equal(results[0].Body, retry.Body);
        var changed = await client.AnswerAsync(exam.SessionId, exam.FirstItemId, (response + 1) % 4, exam.Token);
        Assert.Equal(HttpStatusCode.Conflict, changed.Status);
        Assert.Equal(1, await fixture.AttemptCountAsync(exam.SessionId));
    }

    [Fact]
    public async Task AnswerToAnItemThatIsNotTheCurrentOneIsAConflict()
    {
        var exam = await client.StartExamAsync("test-math");
        var other = fixture.Bank.ItemsOf("test-math").First(i => i.Id != exam.FirstItemId);
        var result = await client.AnswerAsync(exam.SessionId, other.Id, 0, exam.Token);
        Assert.Equal(HttpStatusCode.Conflict, result.Status);
        Assert.Equal("itemId", result.Field);
        Assert.Equal(0, await fixture.AttemptCountAsync(exam.SessionId));
    }

    [Fact]
    public async Task RedisHoldsNoAnswerKeyItemTextOrChosenOptionOfAnActiveExam()
    {
        var exams = new List<StartedExam>();
        foreach (var subject in TestItemBank.Subjects)
        {
            var exam = await client.StartExamAsync(subject, maxItems: 10);
            var engine = new EngineReplica(fixture.Bank, subject, 10, null, exam.FirstItemId);
            for (var k = 0; k < 4; k++) await engine.AnswerAndCheckAsync(client, exam, trueTheta: 0.3);
            exams.Add(exam);
        }

        var server = fixture.Redis.GetServer(fixture.Redis.GetEndPoints()[0]);
        var database = fixture.Redis.GetDatabase();
        var keys = server.Keys(pattern: "*", pageSize: 1000).Select(k => (string)k!).ToList();
        Assert.NotEmpty(keys);
        Assert.DoesNotContain(keys, key => key.Contains("answer", StringComparison.OrdinalIgnoreCase) || key.Contains("key", StringComparison.OrdinalIgnoreCase));
        var optionTexts = fixture.Bank.Items.SelectMany(i => i.Options).Select(Encoding.UTF8.GetBytes).ToArray();
        foreach (var key in keys)
        {
            var type = await database.KeyTypeAsync(key);
            if (key.StartsWith("question:", StringComparison.Ordinal))
            {
                var question = JsonNode.Parse((string)(await database.StringGetAsync(key))!)!.AsObject();
                Assert.Equal(["id", "topic", "content", "options"], question.Select(p => p.Key));
            }
            else if (key.StartsWith("ex:", StringComparison.Ordinal) && !key.EndsWith(":lock", StringComparison.Ordinal))
            {
                Assert.Equal(RedisType.String, type);
                var value = (byte[])(await database.StringGetAsync(key))!;
                Assert.DoesNotContain(optionTexts, text => value.AsSpan().IndexOf(text) >= 0);
                // The packed responses are scores (0/1) for the estimator, never the chosen option index.
                var state = SessionHotState.FromBytes(value);
                Assert.All(state.Exam.Responses.ToArray(), r => Assert.InRange(r, 0, 1));
                Assert.True(value.Length <= 200, $"{key} holds {value.Length} bytes");
            }
            else
            {
                Assert.Contains(key, SessionStateStore.ActivityIndexKeys);
                var members = await database.SortedSetRangeByRankAsync(key);
                Assert.All(members, m => Assert.Equal(16, ((byte[])m!).Length));
            }
        }

        foreach (var exam in exams)
        {
            Assert.Contains(SessionStateStore.StateKey(exam.SessionId), keys);
        }
    }

    [Fact]
    public async Task ExtendSetsTheSessionTimeToLive()
    {
        var exam = await client.StartExamAsync("test-math");
        var before = await client.GetAsync($"/api/adaptive/{exam.SessionId}", exam.Token);
        Assert.Equal(HttpStatusCode.OK, before.Status);
        Assert.InRange(before.Json!["ttlSeconds"]!.GetValue<int>(), 1790, 1800);
        Assert.NotNull(before.Json["lastActivity"]);

        var extended = await client.PostJsonAsync($"/api/adaptive/{exam.SessionId}/extend", new { seconds = 7200 }, exam.Token);
        Assert.Equal(HttpStatusCode.OK, extended.Status);
        Assert.Equal(7200, extended.Json!["ttlSeconds"]!.GetValue<int>());

        var after = await client.GetAsync($"/api/adaptive/{exam.SessionId}", exam.Token);
        Assert.InRange(after.Json!["ttlSeconds"]!.GetValue<int>(), 7190, 7200);
        var redisTtl = await fixture.Redis.GetDatabase().KeyTimeToLiveAsync(SessionStateStore.StateKey(exam.SessionId));
        Assert.InRange(redisTtl!.Value.TotalSeconds, 7190, 7200);
    }

    [Fact]
    public async Task HistoryIsForTheTokenHolderAfterCompletionAndForAdministratorsAnytime()
    {
        var exam = await client.StartExamAsync("test-physics");
        var engine = new EngineReplica(fixture.Bank, "test-physics", 10, null, exam.FirstItemId);
        await engine.AnswerAndCheckAsync(client, exam, trueTheta: -0.5);
        var path = $"/api/adaptive/{exam.SessionId}/history";

        var early = await client.GetAsync(path, exam.Token);
        Assert.Equal(HttpStatusCode.Conflict, early.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(path, null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(path, null, "not-the-key")).Status);

        var administrator = await client.GetAsync(path, null, ExamGraphFixture.AdminKey);
        Assert.Equal(HttpStatusCode.OK, administrator.Status);
        Assert.Equal("active", administrator.Json!["state"]!.GetValue<string>());
        var step = Assert.Single(administrator.Json["steps"]!.AsArray())!;
        Assert.Equal(exam.FirstItemId, step["itemId"]!.GetValue<long>());
        Assert.NotNull(step["servedAt"]);
        Assert.NotNull(step["answeredAt"]);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/adaptive/{Guid.NewGuid()}/history", null, ExamGraphFixture.AdminKey)).Status);

        var completed = await client.PostJsonAsync("/api/adaptive/complete", new { sessionId = exam.SessionId }, exam.Token);
        Assert.Equal(HttpStatusCode.OK, completed.Status);
        Assert.Equal("completed_by_student", completed.Json!["stopReason"]!.GetValue<string>());
        var late = await client.GetAsync(path, exam.Token);
        Assert.Equal(HttpStatusCode.OK, late.Status);
        Assert.Equal(step.ToJsonString(), late.Json!["steps"]![0]!.ToJsonString());
        Assert.False(await fixture.Redis.GetDatabase().KeyExistsAsync(SessionStateStore.StateKey(exam.SessionId)));
    }

    [Fact]
    public async Task AnswerAfterTheTimeLimitIsAConflictAndCompletesTheExamWithStopReasonTime()
    {
        var exam = await client.StartExamAsync("test-math", timeLimitSeconds: 10);
        var expiresAt = exam.Response.Json!["expiresAt"]!.GetValue<DateTime>();
        var engine = new EngineReplica(fixture.Bank, "test-math", 10, null, exam.FirstItemId);
        await engine.AnswerAndCheckAsync(client, exam, trueTheta: 0);

        var wait = expiresAt.ToUniversalTime() - DateTime.UtcNow + TimeSpan.FromSeconds(1);
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
        var (response, _) = EngineReplica.Respond(fixture.Bank[engine.CurrentItemId!.Value], 0);
        var late = await client.AnswerAsync(exam.SessionId, engine.CurrentItemId.Value, response, exam.Token);
        Assert.Equal(HttpStatusCode.Conflict, late.Status);
        Assert.Equal("Time limit reached", late.Json!["title"]!.GetValue<string>());

        var status = await client.GetAsync($"/api/adaptive/{exam.SessionId}", exam.Token);
        Assert.Equal("completed", status.Json!["state"]!.GetValue<string>());
        Assert.Equal("time", status.Json["stopReason"]!.GetValue<string>());
        Assert.Equal(1, status.Json["answered"]!.GetValue<int>());
        Assert.Equal(1, await fixture.AttemptCountAsync(exam.SessionId));
    }
}
