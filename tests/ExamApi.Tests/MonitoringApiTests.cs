using System.Net;

namespace ExamApi.Tests;

/// <summary>Active sessions, Redis statistics and the Redis health probe.</summary>
[Collection(ExamGraphCollection.Name)]
public sealed class MonitoringApiTests(ExamGraphFixture fixture)
{
    private readonly AdminApi admin = new(new ExamClient(fixture.CreateClient()));

    [Fact]
    public async Task Redis_health_is_up_without_a_key()
    {
        var response = await admin.Client.GetAsync("/health/redis", null);
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("up", response.Json!["redis"]!.GetValue<string>());
        Assert.InRange(response.Json["latencyMs"]!.GetValue<double>(), 0, 1000);
        Assert.InRange(DateTime.Parse(response.Json["timestamp"]!.GetValue<string>()).ToUniversalTime(), DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task A_session_whose_design_no_longer_fits_the_bank_is_listed_and_goes_on_while_new_exams_are_refused()
    {
        var subject = AdminApi.NewSubject("unfit");
        var items = await admin.ImportAsync(Enumerable.Range(0, 10).Select(n => AdminApi.Item(subject, n: n, b: (n - 5) / 2.0)));
        var exam = await admin.Client.StartExamAsync(subject, maxItems: 8);
        var answered = await admin.Client.AnswerAsync(exam.SessionId, exam.FirstItemId, 0, exam.Token);
        Assert.True(answered.Status == HttpStatusCode.OK, answered.Body);
        // Five retired leave five items for a design of eight: no new exam fits any more.
        var retired = items.Select(i => i!["id"]!.GetValue<long>()).Where(id => id != exam.FirstItemId).Take(5).ToHashSet();
        foreach (var id in retired)
        {
            Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/items/{id}/retire", new { })).Status);
        }

        var response = await admin.GetAsync("/api/adaptive/active?limit=1000");
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        var session = response.Json!["sessions"]!.AsArray().Single(s => s!["sessionId"]!.GetValue<Guid>() == exam.SessionId)!;
        Assert.Equal(1, session["answered"]!.GetValue<int>());

        // A new exam on the design is refused; the one running goes on with the items left and ends when they run out.
        var refused = await admin.Client.StartAsync(new { studentId = "unfit-late", designId = await admin.Client.DesignAsync(subject, 8) });
        Assert.Equal(HttpStatusCode.Conflict, refused.Status);
        Assert.Equal("designId", refused.Field);
        var next = answered.Json!["nextItem"]!["id"]!.GetValue<long>();
        // The item already served when its retirement came is still answered; the rest are the four others left.
        var expected = 1 + 4 + (retired.Contains(next) ? 1 : 0);
        var answers = 1;
        while (true)
        {
            var result = await admin.Client.AnswerAsync(exam.SessionId, next, 0, exam.Token);
            Assert.True(result.Status == HttpStatusCode.OK, result.Body);
            answers++;
            if (result.Json!["done"]!.GetValue<bool>()) break;
            next = result.Json["nextItem"]!["id"]!.GetValue<long>();
        }

        Assert.Equal(expected, answers);
        Assert.Equal(expected, await fixture.AttemptCountAsync(exam.SessionId));
    }

    [Fact]
    public async Task Active_sessions_list_a_started_exam_with_its_hot_state()
    {
        var exam = await admin.Client.StartExamAsync(TestItemBank.Subjects[0], maxItems: 5);
        var answered = await admin.Client.AnswerAsync(exam.SessionId, exam.FirstItemId, 0, exam.Token);
        Assert.True(answered.Status == HttpStatusCode.OK, answered.Body);
        var response = await admin.GetAsync("/api/adaptive/active?limit=1000");
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        Assert.True(response.Json!["total"]!.GetValue<long>() >= 1);
        var session = response.Json["sessions"]!.AsArray().Single(s => s!["sessionId"]!.GetValue<Guid>() == exam.SessionId)!;
        Assert.True(session["hotState"]!.GetValue<bool>());
        Assert.Equal(TestItemBank.Subjects[0], session["subject"]!.GetValue<string>());
        Assert.Equal(1, session["answered"]!.GetValue<int>());
        // Redis holds no θ; the listing replays it from the answers, bit for bit.
        Assert.Equal(answered.Json!["theta"]!.GetValue<double>(), session["theta"]!.GetValue<double>());
        Assert.Equal(5, session["maxItems"]!.GetValue<int>());
        Assert.InRange(session["idleSeconds"]!.GetValue<int>(), 0, 60);

        var first = await admin.GetAsync("/api/adaptive/active?limit=1");
        Assert.Single(first.Json!["sessions"]!.AsArray());
        Assert.Equal("limit", (await admin.GetAsync("/api/adaptive/active?limit=0")).Field);
        Assert.Equal("offset", (await admin.GetAsync("/api/adaptive/active?offset=-1")).Field);
    }

    [Fact]
    public async Task Redis_stats_are_consistent_with_what_is_stored()
    {
        await admin.Client.StartExamAsync(TestItemBank.Subjects[1], maxItems: 5);
        var response = await admin.GetAsync("/api/debug/redis/stats");
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        var stats = response.Json!;
        var active = stats["activeSessions"]!.GetValue<long>();
        var cached = stats["cachedQuestions"]!.GetValue<long>();
        Assert.True(active >= 1);
        Assert.True(cached >= 1);
        Assert.InRange(stats["activeLocks"]!.GetValue<long>(), 0, active);
        Assert.InRange(stats["memoryUsedMb"]!.GetValue<double>(), 0.1, 4096);
        Assert.True(stats["totalKeys"]!.GetValue<long>() >= cached + 1);
        if (stats["hitRate"] is { } hitRate) Assert.InRange(hitRate.GetValue<double>(), 0, 1);
    }
}
