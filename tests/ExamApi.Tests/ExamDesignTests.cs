using System.Net;
using System.Text.Json.Nodes;

namespace ExamApi.Tests;

/// <summary>
/// Exam designs through the API against real Redis and Postgres: refusal of designs that cannot run, versions that
/// running exams keep (also when rebuilt from Postgres), defaults, the activation report, a student's client that
/// cannot change how the exam runs, blueprint and enemy constraints in real exams, and the classification of an SPRT
/// design checked against likelihood ratios computed here.
/// </summary>
[Collection(ExamGraphCollection.Name)]
public sealed class ExamDesignTests(ExamGraphFixture fixture)
{
    private const string Subject = "test-physics";
    private readonly ExamClient client = new(fixture.CreateClient());
    private readonly AdminApi admin = new(new ExamClient(fixture.CreateClient()));

    public static TheoryData<string, string> InvalidDefinitions => new()
    {
        { """{"stopping":{}}""", "definition.stopping.maxItems" },
        { """{"stopping":{"maxItems":61}}""", "definition.stopping.maxItems" },
        { """{"stopping":{"maxitems":10}}""", "definition.stopping.maxitems" },
        { """{"stopping":{"maxItems":"ten"}}""", "definition.stopping.maxItems" },
        { """{"stopping":{"maxItems":10,"minItems":11}}""", "definition.stopping.minItems" },
        { """{"estimator":{"method":"XYZ"},"stopping":{"maxItems":10}}""", "definition.estimator.method" },
        { """{"estimator":{"method":"ML","priorSd":2},"stopping":{"maxItems":10}}""", "definition.estimator.priorSd" },
        { """{"scaling":1.5,"stopping":{"maxItems":10}}""", "definition.scaling" },
        { """{"selection":{"rule":"randomesque"},"stopping":{"maxItems":10}}""", "definition.selection.candidates" },
        { """{"selection":{"rule":"sympson-hetter","exposureParameters":{"1":1.5}},"stopping":{"maxItems":10}}""", "definition.selection.exposureParameters.1" },
        { """{"selection":{"blueprint":[{"topic":"chemistry","min":1}]},"stopping":{"maxItems":10}}""", "definition.selection.blueprint[0].topic" },
        { """{"selection":{"blueprint":[{"topic":"optics","min":21}]},"stopping":{"maxItems":30}}""", "definition.selection.blueprint[0].min" },
        { """{"selection":{"blueprint":[{"topic":"optics","min":6},{"topic":"waves","min":6}]},"stopping":{"maxItems":10}}""", "definition.selection.blueprint" },
        { """{"selection":{"blueprint":[{"topic":"optics","share":0.5},{"topic":"waves","share":0.3}]},"stopping":{"maxItems":10}}""", "definition.selection.blueprint" },
        { """{"selection":{"blueprint":[{"topic":"optics","min":3,"max":2}]},"stopping":{"maxItems":10}}""", "definition.selection.blueprint[0].max" },
        { """{"selection":{"enemySets":[[1]]},"stopping":{"maxItems":10}}""", "definition.selection.enemySets[0]" },
        { """{"stopping":{"maxItems":10,"sprt":{"cuts":[0,0.5],"indifference":0.3}}}""", "definition.stopping.sprt.cuts[1]" },
        { """{"stopping":{"maxItems":10,"classification":{"cuts":[0.5,0.5]}}}""", "definition.stopping.classification.cuts[1]" },
        { """{"stopping":{"maxItems":10,"classification":{"cuts":[0]},"sprt":{"cuts":[0],"indifference":0.2}}}""", "definition.stopping.sprt" },
        { """{"stopping":{"maxItems":10,"classification":{"cuts":[0],"levels":["fail"]}}}""", "definition.stopping.classification.levels" },
        { """{"timeLimitSeconds":5,"stopping":{"maxItems":10}}""", "definition.timeLimitSeconds" },
    };

    [Theory]
    [MemberData(nameof(InvalidDefinitions))]
    public async Task A_design_that_cannot_run_is_refused_naming_the_field_and_nothing_is_stored(string definition, string field)
    {
        var designs = await fixture.ScalarAsync<long>("SELECT count(*) FROM exam_designs");
        var id = "bad-" + Guid.NewGuid().ToString("N")[..12];
        var response = await admin.PostRawAsync("/api/designs", $$"""{"id":"{{id}}","subject":"{{Subject}}","definition":{{definition}}}""");
        Assert.True(response.Status == HttpStatusCode.BadRequest, response.Body);
        Assert.Equal(field, response.Field);
        Assert.Equal(designs, await fixture.ScalarAsync<long>("SELECT count(*) FROM exam_designs"));
    }

    [Fact]
    public async Task Every_fault_of_a_design_is_listed_at_once()
    {
        var enemy = fixture.Bank.ItemsOf(Subject)[0].Id;
        var response = await admin.PostAsync("/api/designs", new
        {
            id = "many-faults",
            subject = Subject,
            definition = new
            {
                scaling = 2,
                selection = new { enemySets = new[] { new[] { enemy, 999_999_999 } }, blueprint = new[] { new { topic = "nope", min = 1 } } },
                stopping = new { maxItems = 10, seTarget = 5 },
            },
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        var errors = response.Json!["errors"]!.AsObject().Select(p => p.Key).ToHashSet();
        Assert.Superset(new HashSet<string> { "definition.scaling", "definition.stopping.seTarget", "definition.selection.enemySets[0]", "definition.selection.blueprint[0].topic" }, errors);
    }

    [Fact]
    public async Task Designs_need_the_admin_key()
    {
        var response = await client.PostJsonAsync("/api/designs", new { id = "x", subject = Subject, definition = new { stopping = new { maxItems = 5 } } }, null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/designs", null)).Status);
    }

    [Fact]
    public async Task The_students_client_cannot_choose_how_the_exam_runs()
    {
        var designId = await client.DesignAsync(Subject, maxItems: 4);
        var sessions = await fixture.ScalarAsync<long>("SELECT count(*) FROM exam_sessions");
        foreach (var (field, value) in new (string, object)[] { ("maxItems", 50), ("seTarget", 0.1), ("estimator", "ML"), ("timeLimitSeconds", 99_999), ("minItems", 0) })
        {
            var body = new JsonObject { ["studentId"] = "s-override", ["designId"] = designId, [field] = JsonValue.Create(value) };
            var response = await client.PostRawAsync("/api/adaptive/start", body.ToJsonString(), await client.StudentTokenAsync("s-override"));
            Assert.True(response.Status == HttpStatusCode.BadRequest, response.Body);
            Assert.Equal(field, response.Field);
        }
        Assert.Equal(sessions, await fixture.ScalarAsync<long>("SELECT count(*) FROM exam_sessions"));
    }

    [Fact]
    public async Task A_running_exam_keeps_its_version_through_a_new_version_and_a_rebuild_from_Postgres()
    {
        var id = "versions-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync("/api/designs", new { id, subject = Subject, definition = new { stopping = new { maxItems = 6 } } })).Status);

        // Not active yet: no exam starts on it.
        var early = await client.StartAsync(new { studentId = "s-early", designId = id });
        Assert.Equal(HttpStatusCode.Conflict, early.Status);
        Assert.Equal("designId", early.Field);

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/designs/{id}/versions/1/activate", new { })).Status);
        var onFirst = await StartAsync(id);
        Assert.Equal(1, onFirst.Response.Json!["designVersion"]!.GetValue<int>());
        Assert.Equal(6, onFirst.Response.Json["maxItems"]!.GetValue<int>());

        var added = await admin.PutAsync($"/api/designs/{id}", new { definition = new { stopping = new { maxItems = 3 } } });
        Assert.True(added.Status == HttpStatusCode.OK, added.Body);
        Assert.Equal(1, added.Json!["activeVersion"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/designs/{id}/versions/2/activate", new { })).Status);
        var onSecond = await StartAsync(id);
        Assert.Equal(2, onSecond.Response.Json!["designVersion"]!.GetValue<int>());

        // Redis forgets every session: the first exam is rebuilt from Postgres on its own version, and runs to 6 items.
        await fixture.Redis.GetServer(fixture.Redis.GetEndPoints()[0]).FlushAllDatabasesAsync();
        Assert.Equal(6, await AnswerUntilDoneAsync(onFirst));
        Assert.Equal(3, await AnswerUntilDoneAsync(onSecond));
        Assert.Equal(2L, await fixture.ScalarAsync<long>(
            "SELECT count(DISTINCT design_key) FROM exam_sessions WHERE id = ANY($1)", new[] { onFirst.SessionId, onSecond.SessionId }));

        var design = await admin.GetAsync($"/api/designs/{id}");
        Assert.Equal(2, design.Json!["versions"]!.AsArray().Count);
        Assert.Equal(2, design.Json["activeVersion"]!.GetValue<int>());
    }

    [Fact]
    public async Task Activation_stores_the_simulation_report_with_the_version()
    {
        var id = await client.DesignAsync(Subject, maxItems: 12, seTarget: 0.5);
        var version = await admin.GetAsync($"/api/designs/{id}/versions/1");
        Assert.True(version.Status == HttpStatusCode.OK, version.Body);
        var simulation = version.Json!["simulation"]!;
        Assert.Equal(1000, simulation["examinees"]!.GetValue<int>());
        Assert.InRange(simulation["meanLength"]!.GetValue<double>(), 1, 12);
        Assert.InRange(simulation["rmse"]!.GetValue<double>(), 0.05, 2);
        Assert.InRange(simulation["maxExposure"]!.GetValue<double>(), 0, 1);
        Assert.InRange(simulation["meanOverlap"]!.GetValue<double>(), 0, 1);
        Assert.Equal(0, simulation["blueprintViolations"]!.GetValue<int>());
        Assert.Equal(8, simulation["bands"]!.AsArray().Count);
        Assert.Equal(12, version.Json["definition"]!["stopping"]!["maxItems"]!.GetValue<int>());
        Assert.NotNull(version.Json["activatedAt"]);
    }

    [Fact]
    public async Task The_subjects_default_design_runs_when_the_client_names_none()
    {
        var subject = AdminApi.NewSubject("default");
        await admin.ImportAsync(Enumerable.Range(0, 12).Select(n => AdminApi.Item(subject, n: n, b: (n - 6) / 3.0)));
        var none = await client.StartAsync(new { studentId = "s-default", subject });
        Assert.Equal(HttpStatusCode.BadRequest, none.Status);
        Assert.Equal("subject", none.Field);

        var id = "default-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync("/api/designs", new { id, subject, definition = new { stopping = new { maxItems = 2 } } })).Status);
        var inactive = await admin.PostAsync($"/api/designs/{id}/default", new { });
        Assert.Equal(HttpStatusCode.Conflict, inactive.Status);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/designs/{id}/versions/1/activate", new { })).Status);
        var made = await admin.PostAsync($"/api/designs/{id}/default", new { });
        Assert.True(made.Json!["isDefault"]!.GetValue<bool>(), made.Body);

        var started = await client.StartAsync(new { studentId = "s-default", subject });
        Assert.True(started.Status == HttpStatusCode.Created, started.Body);
        Assert.Equal(id, started.Json!["designId"]!.GetValue<string>());
        Assert.Equal(2, started.Json["maxItems"]!.GetValue<int>());

        var wrongSubject = await client.StartAsync(new { studentId = "s-default", designId = id, subject = Subject });
        Assert.Equal(HttpStatusCode.BadRequest, wrongSubject.Status);
        Assert.Equal("subject", wrongSubject.Field);
    }

    [Fact]
    public async Task Blueprint_limits_and_enemy_sets_hold_in_every_exam()
    {
        var items = fixture.Bank.ItemsOf(Subject);
        // The three most informative items near θ = 0 are enemies: no exam may give two of them.
        var enemies = items.OrderByDescending(i => Information(i, 0)).Take(3).Select(i => i.Id).ToArray();
        var id = "blueprint-" + Guid.NewGuid().ToString("N")[..8];
        var definition = new
        {
            selection = new
            {
                blueprint = new object[] { new { topic = "mechanics", min = 3, max = 4 }, new { topic = "optics", max = 1 }, new { topic = "waves", min = 2 } },
                enemySets = new[] { enemies },
            },
            stopping = new { minItems = 2, maxItems = 8, seTarget = 0.9 },
        };
        var created = await client.CreateDesignAsync(id, Subject, definition);
        var sessions = new List<Guid>();
        for (var exam = 0; exam < 8; exam++)
        {
            var started = await StartAsync(created);
            await AnswerUntilDoneAsync(started, right: exam % 2 == 0);
            sessions.Add(started.SessionId);
        }

        var topicOf = items.ToDictionary(i => i.Id, i => i.Topic);
        foreach (var session in sessions)
        {
            var given = await ItemsOfAsync(session);
            var perTopic = given.GroupBy(i => topicOf[i]).ToDictionary(g => g.Key, g => g.Count());
            Assert.InRange(perTopic.GetValueOrDefault("mechanics"), 3, 4);
            Assert.InRange(perTopic.GetValueOrDefault("optics"), 0, 1);
            Assert.True(perTopic.GetValueOrDefault("waves") >= 2, $"exam {session} gave {perTopic.GetValueOrDefault("waves")} waves items");
            Assert.True(given.Count(enemies.Contains) <= 1, $"exam {session} gave enemies together");
        }
    }

    [Fact]
    public async Task An_SPRT_design_classifies_by_the_likelihood_ratios_and_reports_it_in_answers_summary_and_history()
    {
        const double cut = 0.2, delta = 0.4, alpha = 0.05, beta = 0.1;
        var id = await client.CreateDesignAsync("sprt-" + Guid.NewGuid().ToString("N")[..8], Subject, new
        {
            stopping = new { maxItems = 25, sprt = new { cuts = new[] { cut }, indifference = delta, alpha, beta, levels = new[] { "fail", "pass" } } },
        });
        var exam = await StartAsync(id);

        // While the exam runs, the summary shows the classification so far and changes nothing.
        var itemId = exam.FirstItemId;
        var first = await client.AnswerAsync(exam.SessionId, itemId, fixture.Bank[itemId].AnswerKey, exam.Token);
        var progress = await client.GetAsync($"/api/adaptive/{exam.SessionId}/summary", exam.Token);
        Assert.True(progress.Status == HttpStatusCode.OK, progress.Body);
        Assert.Equal("active", progress.Json!["state"]!.GetValue<string>());
        Assert.Equal(1, progress.Json["answered"]!.GetValue<int>());
        Assert.Equal("sprt", progress.Json["classification"]!["rule"]!.GetValue<string>());
        Assert.False(progress.Json["classification"]!["forced"]!.GetValue<bool>());
        Assert.Equal(1L, await fixture.AttemptCountAsync(exam.SessionId));

        // A strong examinee: right on every item, so the SPRT decides "pass" well before 25 items.
        JsonNode last = first.Json!;
        itemId = last["nextItem"]!["id"]!.GetValue<long>();
        while (!last["done"]!.GetValue<bool>())
        {
            var answer = await client.AnswerAsync(exam.SessionId, itemId, fixture.Bank[itemId].AnswerKey, exam.Token);
            Assert.True(answer.Status == HttpStatusCode.OK, answer.Body);
            last = answer.Json!;
            if (!last["done"]!.GetValue<bool>()) itemId = last["nextItem"]!["id"]!.GetValue<long>();
        }
        Assert.Equal("sprt", last["stopReason"]!.GetValue<string>());

        var given = await ItemsOfAsync(exam.SessionId);
        var logRatio = given.Sum(i => Math.Log(Probability(fixture.Bank[i], cut + delta)) - Math.Log(Probability(fixture.Bank[i], cut - delta)));
        Assert.True(logRatio >= Math.Log((1 - beta) / alpha), $"log LR {logRatio} below the upper bound");
        var shorter = given.Take(given.Length - 1).Sum(i => Math.Log(Probability(fixture.Bank[i], cut + delta)) - Math.Log(Probability(fixture.Bank[i], cut - delta)));
        Assert.True(shorter < Math.Log((1 - beta) / alpha), "the SPRT should have stopped an item earlier");
        var reported = last["classification"]!;
        Assert.Equal(1, reported["level"]!.GetValue<int>());
        Assert.Equal("pass", reported["levelName"]!.GetValue<string>());
        Assert.Equal("above", reported["cuts"]![0]!["decision"]!.GetValue<string>());
        Assert.Equal(logRatio, reported["cuts"]![0]!["logLikelihoodRatio"]!.GetValue<double>(), 9);

        var summary = await client.PostJsonAsync("/api/adaptive/complete", new { sessionId = exam.SessionId }, exam.Token);
        Assert.Equal("pass", summary.Json!["classification"]!["levelName"]!.GetValue<string>());
        Assert.Equal("sprt", summary.Json["stopReason"]!.GetValue<string>());
        var history = await client.GetAsync($"/api/adaptive/{exam.SessionId}/history", exam.Token);
        Assert.Equal("pass", history.Json!["classification"]!["levelName"]!.GetValue<string>());
        Assert.Equal("sprt", history.Json["stopReason"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_active_exam_answers_exists_and_ttl_for_its_token_holder()
    {
        var exam = await client.StartExamAsync(Subject, maxItems: 3);
        using (var head = new HttpRequestMessage(HttpMethod.Head, $"/api/adaptive/{exam.SessionId}"))
        {
            head.Headers.Authorization = new("Bearer", exam.Token);
            Assert.Equal(HttpStatusCode.OK, (await client.Http.SendAsync(head)).StatusCode);
        }
        using (var anonymous = new HttpRequestMessage(HttpMethod.Head, $"/api/adaptive/{exam.SessionId}"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.Http.SendAsync(anonymous)).StatusCode);
        }
        var ttl = await client.GetAsync($"/api/adaptive/{exam.SessionId}/ttl", exam.Token);
        Assert.True(ttl.Status == HttpStatusCode.OK, ttl.Body);
        Assert.InRange(ttl.Json!["ttlSeconds"]!.GetValue<int>(), 1, 24 * 3600);

        await AnswerUntilDoneAsync(exam);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/adaptive/{exam.SessionId}/ttl", exam.Token)).Status);
        var summary = await client.GetAsync($"/api/adaptive/{exam.SessionId}/summary", exam.Token);
        Assert.Equal("completed", summary.Json!["state"]!.GetValue<string>());
        Assert.Null(summary.Json["classification"]);
    }

    private async Task<StartedExam> StartAsync(string designId)
    {
        var response = await client.StartAsync(new { studentId = $"student-{Guid.NewGuid():N}", designId });
        Assert.True(response.Status == HttpStatusCode.Created, response.Body);
        return new StartedExam(Guid.Parse(response.Json!["sessionId"]!.GetValue<string>()), response.Json["token"]!.GetValue<string>(),
            response.Json["item"]!["id"]!.GetValue<long>(), response);
    }

    // Answers right (or always wrong) until the exam ends; returns how many items were answered.
    private async Task<int> AnswerUntilDoneAsync(StartedExam exam, bool right = true)
    {
        var itemId = exam.FirstItemId;
        while (true)
        {
            var key = fixture.Bank[itemId].AnswerKey;
            var answer = await client.AnswerAsync(exam.SessionId, itemId, right ? key : (key + 1) % 4, exam.Token);
            Assert.True(answer.Status == HttpStatusCode.OK, answer.Body);
            if (answer.Json!["done"]!.GetValue<bool>()) return answer.Json["answered"]!.GetValue<int>();
            itemId = answer.Json["nextItem"]!["id"]!.GetValue<long>();
        }
    }

    private async Task<long[]> ItemsOfAsync(Guid sessionId) =>
        await fixture.ScalarAsync<long[]>("SELECT coalesce(array_agg(item_id ORDER BY seq), '{}') FROM attempts WHERE session_id = $1", sessionId);

    // The 3PL with D = 1, written out here so the test does not lean on the Engine it checks.
    private static double Probability(TestItem item, double theta) => item.C + (1 - item.C) / (1 + Math.Exp(-item.A * (theta - item.B)));

    private static double Information(TestItem item, double theta)
    {
        var p = Probability(item, theta);
        var q = 1 - p;
        return item.A * item.A * (q / p) * Math.Pow((p - item.C) / (1 - item.C), 2);
    }
}
