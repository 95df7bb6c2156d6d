using System.Net;
using ExamStore.HotState;
using Npgsql;

namespace ExamApi.Tests;

/// <summary>The manual cleanup trigger: the sweep the CleanupWorker runs, on demand.</summary>
[Collection(ExamGraphCollection.Name)]
public sealed class CleanupApiTests(ExamGraphFixture fixture)
{
    private readonly AdminApi admin = new(new ExamClient(fixture.CreateClient()));

    [Fact]
    public async Task Cleanup_abandons_idle_sessions_with_their_last_theta_and_leaves_active_ones()
    {
        var subject = TestItemBank.Subjects[0];
        var idle = await admin.Client.StartExamAsync(subject, maxItems: 10);
        var answer = await admin.Client.AnswerAsync(idle.SessionId, idle.FirstItemId, fixture.Bank[idle.FirstItemId].AnswerKey, idle.Token);
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var idleWithoutHotState = await admin.Client.StartExamAsync(subject, maxItems: 10);
        var active = await admin.Client.StartExamAsync(subject, maxItems: 10);

        var store = new SessionStateStore(fixture.Redis, new HotStateOptions());
        await BackdateAsync(store, idle.SessionId, TimeSpan.FromHours(2));
        await BackdateAsync(store, idleWithoutHotState.SessionId, TimeSpan.FromHours(2));
        await store.RemoveAsync(idleWithoutHotState.SessionId);

        var response = await admin.PostAsync("/api/sessions/cleanup", new { inactivityMinutes = 60 });
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        Assert.False(response.Json!["skipped"]!.GetValue<bool>());
        Assert.True(response.Json["expired"]!.GetValue<int>() >= 2);

        Assert.Equal("abandoned inactive", await StatusAsync(idle.SessionId));
        Assert.Equal("abandoned inactive", await StatusAsync(idleWithoutHotState.SessionId));
        Assert.Equal(answer.Json!["theta"]!.GetValue<double>(), await fixture.ScalarAsync<double>("SELECT theta FROM exam_sessions WHERE id = $1", idle.SessionId));
        Assert.Null(await store.LoadAsync(idle.SessionId));
        var (indexKey, member) = SessionStateStore.ActivityEntry(idle.SessionId);
        Assert.Null(await fixture.Redis.GetDatabase().SortedSetScoreAsync(indexKey, member));

        Assert.Equal("active ", await StatusAsync(active.SessionId));
        Assert.NotNull(await store.LoadAsync(active.SessionId));
        var next = await admin.Client.AnswerAsync(active.SessionId, active.FirstItemId, 0, active.Token);
        Assert.Equal(HttpStatusCode.OK, next.Status);

        // An abandoned exam takes no more answers.
        var late = await admin.Client.AnswerAsync(idle.SessionId, answer.Json["nextItem"]!["id"]!.GetValue<long>(), 0, idle.Token);
        Assert.Equal(HttpStatusCode.Conflict, late.Status);
    }

    [Fact]
    public async Task Cleanup_completes_sessions_past_their_time_limit()
    {
        var exam = await admin.Client.StartExamAsync(TestItemBank.Subjects[1], maxItems: 10, timeLimitSeconds: 600);
        await fixture.ScalarAsync<int>("UPDATE exam_sessions SET expires_at = now() - interval '1 minute' WHERE id = $1 RETURNING 1", exam.SessionId);

        var response = await admin.PostAsync("/api/sessions/cleanup", new { inactivityMinutes = 60 });
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        Assert.Equal("completed time", await StatusAsync(exam.SessionId));
    }

    [Theory]
    [InlineData("""{"inactivityMinutes": -1}""")]
    [InlineData("""{"inactivityMinutes": 20000}""")]
    public async Task Cleanup_rejects_an_out_of_range_threshold(string body)
    {
        var response = await admin.PostRawAsync("/api/sessions/cleanup", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("inactivityMinutes", response.Field);
    }

    [Fact]
    public async Task Cleanup_rejects_a_threshold_of_the_wrong_type()
    {
        var response = await admin.PostRawAsync("/api/sessions/cleanup", """{"inactivityMinutes": "soon"}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("inactivityMinutes", response.Field);
    }

    // Moves a session's recorded activity into the past in Postgres (start, answers) and in its Redis hot state.
    private async Task BackdateAsync(SessionStateStore store, Guid sessionId, TimeSpan by)
    {
        await using var connection = new NpgsqlConnection(fixture.DatabaseConnectionString);
        await connection.OpenAsync();
        foreach (var sql in new[]
        {
            "UPDATE exam_sessions SET started_at = started_at - $2, last_activity_at = last_activity_at - $2 WHERE id = $1",
            "UPDATE attempts SET served_at = served_at - $2, answered_at = answered_at - $2 WHERE session_id = $1",
        })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.Add(new NpgsqlParameter { Value = sessionId });
            command.Parameters.Add(new NpgsqlParameter { Value = by });
            await command.ExecuteNonQueryAsync();
        }
        var hot = await store.LoadAsync(sessionId) ?? throw new InvalidOperationException("The session has no hot state.");
        await store.SaveAsync(sessionId, hot with { LastActivity = hot.LastActivity - by, ServedAt = hot.ServedAt - by });
    }

    private Task<string> StatusAsync(Guid sessionId) =>
        fixture.ScalarAsync<string>("SELECT status || ' ' || coalesce(stop_reason, '') FROM exam_sessions WHERE id = $1", sessionId);
}
