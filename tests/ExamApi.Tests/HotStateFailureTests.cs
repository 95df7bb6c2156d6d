using System.Diagnostics;
using System.Net;
using ExamStore.HotState;

namespace ExamApi.Tests;

/// <summary>
/// Redis flushed, Redis stopped, Postgres stopped: exams go on (or refuse cleanly) and θ stays the Engine's. These
/// tests stop servers, so they run on a graph of their own, one at a time, and leave every server running.
/// </summary>
[Collection(FaultGraphCollection.Name)]
public sealed class HotStateFailureTests(FaultGraphFixture fixture)
{
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(30);
    private readonly ExamClient client = new(fixture.CreateClient());

    [Fact]
    public async Task RedisFlushedMidExamRebuildsFromPostgresWithIdenticalTheta()
    {
        var exam = await client.StartExamAsync("test-physics", maxItems: 12);
        var engine = new EngineReplica(fixture.Bank, "test-physics", 12, null, exam.FirstItemId);
        for (var k = 0; k < 5; k++) await engine.AnswerAndCheckAsync(client, exam, trueTheta: 1.1);

        await fixture.Redis.GetServer(fixture.Redis.GetEndPoints()[0]).FlushAllDatabasesAsync();
        Assert.False(await fixture.Redis.GetDatabase().KeyExistsAsync(SessionStateStore.StateKey(exam.SessionId)));

        var next = await client.GetAsync($"/api/adaptive/next?sessionId={exam.SessionId}", exam.Token);
        Assert.Equal(engine.CurrentItemId, next.Json!["id"]!.GetValue<long>());
        while (engine.CurrentItemId is not null) await engine.AnswerAndCheckAsync(client, exam, trueTheta: 1.1);
        Assert.Equal(12, await fixture.AttemptCountAsync(exam.SessionId));
    }

    [Fact]
    public async Task RedisStoppedExamsContinueFromPostgresAndTheHotPathResumesWhenItIsBack()
    {
        var exam = await client.StartExamAsync("test-math", maxItems: 12);
        var engine = new EngineReplica(fixture.Bank, "test-math", 12, null, exam.FirstItemId);
        for (var k = 0; k < 2; k++) await engine.AnswerAndCheckAsync(client, exam, trueTheta: -0.3);
        var burst = await client.StartExamAsync("test-physics");

        await fixture.Graph.StopAsync("cache");
        try
        {
            for (var k = 0; k < 3; k++) await engine.AnswerAndCheckAsync(client, exam, trueTheta: -0.3);

            // Without Redis there is no submission lock: identical answers reach the attempt writer together (some in
            // one batch) and Postgres's keys alone must keep one row and give everyone the recorded result.
            var (response, _) = EngineReplica.Respond(fixture.Bank[burst.FirstItemId], 0);
            var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.AnswerAsync(burst.SessionId, burst.FirstItemId, response, burst.Token)));
            Assert.All(results, r => Assert.True(r.Status == HttpStatusCode.OK, r.Body));
            Assert.Single(results.Select(r => r.Body).Distinct());
            Assert.Equal(1, await fixture.AttemptCountAsync(burst.SessionId));
            var next = await client.GetAsync($"/api/adaptive/next?sessionId={exam.SessionId}", exam.Token);
            Assert.Equal(engine.CurrentItemId, next.Json!["id"]!.GetValue<long>());
            var status = await client.GetAsync($"/api/adaptive/{exam.SessionId}", exam.Token);
            Assert.Equal(HttpStatusCode.OK, status.Status);
            Assert.Equal(5, status.Json!["answered"]!.GetValue<int>());
            Assert.Null(status.Json["ttlSeconds"]);
            var redisHealth = await client.GetAsync("/health/redis", null);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, redisHealth.Status);
            Assert.Equal("down", redisHealth.Json!["redis"]!.GetValue<string>());
            var another = await client.StartExamAsync("test-physics");
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/adaptive/{another.SessionId}", another.Token)).Status);
        }
        finally
        {
            using var recovery = new CancellationTokenSource(RecoveryTimeout);
            await fixture.Graph.StartAsync("cache", cancellationToken: recovery.Token);
        }

        // Redis came back empty; once the API reconnects, a read rebuilds the state and writes it back.
        var database = fixture.Redis.GetDatabase();
        var key = SessionStateStore.StateKey(exam.SessionId);
        var clock = Stopwatch.StartNew();
        while (!await KeyExistsAsync(key))
        {
            Assert.True(clock.Elapsed < RecoveryTimeout, "the API did not write the session back to Redis after Redis restarted");
            await client.GetAsync($"/api/adaptive/{exam.SessionId}", exam.Token);
            await Task.Delay(200);
        }

        await engine.AnswerAndCheckAsync(client, exam, trueTheta: -0.3);
        var state = SessionHotState.FromBytes((byte[])(await database.StringGetAsync(key))!);
        Assert.Equal(6, state.Exam.Count);
        Assert.Equal(engine.State.Items.ToArray(), state.Exam.Items.ToArray());
        Assert.Equal(engine.State.Responses.ToArray(), state.Exam.Responses.ToArray());
        Assert.Equal(engine.State.CurrentItem, state.Exam.CurrentItem);
        var afterRecovery = await client.GetAsync($"/api/adaptive/{exam.SessionId}", exam.Token);
        EngineReplica.AssertBits(engine.State.Theta, afterRecovery.Json!["theta"]!.GetValue<double>(), "theta replayed from the Redis state");
        Assert.InRange((await database.KeyTimeToLiveAsync(key))!.Value.TotalSeconds, 1700, 1800);
    }

    [Fact]
    public async Task PostgresStoppedAnswerIs503AndNothingIsRecordedThenTheSameAnswerSucceeds()
    {
        var exam = await client.StartExamAsync("test-math", maxItems: 12);
        var engine = new EngineReplica(fixture.Bank, "test-math", 12, null, exam.FirstItemId);
        for (var k = 0; k < 2; k++) await engine.AnswerAndCheckAsync(client, exam, trueTheta: 0.4);
        var itemId = engine.CurrentItemId!.Value;
        var (response, correct) = EngineReplica.Respond(fixture.Bank[itemId], 0.4);
        var key = SessionStateStore.StateKey(exam.SessionId);
        var stateBefore = (byte[])(await fixture.Redis.GetDatabase().StringGetAsync(key))!;

        await fixture.Graph.StopAsync("postgres");
        try
        {
            for (var k = 0; k < 3; k++)
            {
                var refused = await client.AnswerAsync(exam.SessionId, itemId, response, exam.Token);
                Assert.True(refused.Status == HttpStatusCode.ServiceUnavailable, $"{(int)refused.Status} {refused.Body}");
                Assert.Equal("application/problem+json", refused.Message.Content.Headers.ContentType?.MediaType);
            }

            Assert.Equal(stateBefore, (byte[])(await fixture.Redis.GetDatabase().StringGetAsync(key))!);
            Assert.False(await fixture.Redis.GetDatabase().KeyExistsAsync(SessionStateStore.LockKey(exam.SessionId)));
        }
        finally
        {
            using var recovery = new CancellationTokenSource(RecoveryTimeout);
            await fixture.Graph.StartAsync("postgres", cancellationToken: recovery.Token);
        }

        Assert.Equal(2, await fixture.AttemptCountAsync(exam.SessionId));
        var clock = Stopwatch.StartNew();
        ApiResponse accepted;
        while (true)
        {
            // The API's pooled connections died with the server; the first calls after the restart may still fail.
            accepted = await client.AnswerAsync(exam.SessionId, itemId, response, exam.Token);
            if (accepted.Status != HttpStatusCode.ServiceUnavailable || clock.Elapsed > RecoveryTimeout) break;
            await Task.Delay(200);
        }

        Assert.True(accepted.Status == HttpStatusCode.OK, accepted.Body);
        engine.Follow(accepted.Json!, correct);
        Assert.Equal(3, await fixture.AttemptCountAsync(exam.SessionId));
    }

    private async Task<bool> KeyExistsAsync(string key)
    {
        try
        {
            return await fixture.Redis.GetDatabase().KeyExistsAsync(key);
        }
        catch (StackExchange.Redis.RedisConnectionException)
        {
            return false;
        }
    }
}
