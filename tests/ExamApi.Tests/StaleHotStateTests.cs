using System.Net;
using ExamStore.HotState;

namespace ExamApi.Tests;

/// <summary>
/// A Redis copy of a session that fell behind Postgres (a write lost while Redis was skipped, an old value put back):
/// Postgres decides, the stale copy is dropped and rebuilt, and nothing is recorded into an exam that is over.
/// </summary>
[Collection(ExamGraphCollection.Name)]
public sealed class StaleHotStateTests(ExamGraphFixture fixture)
{
    private readonly ExamClient client = new(fixture.CreateClient());

    [Fact]
    public async Task AnswerToTheRealCurrentItemIsRecordedWhenRedisHoldsAnOlderCopy()
    {
        var exam = await client.StartExamAsync("test-physics", maxItems: 10);
        var engine = new EngineReplica(fixture.Bank, "test-physics", 10, null, exam.FirstItemId);
        for (var k = 0; k < 2; k++) await engine.AnswerAndCheckAsync(client, exam, trueTheta: 0.2);
        var key = SessionStateStore.StateKey(exam.SessionId);
        var older = (byte[])(await fixture.Redis.GetDatabase().StringGetAsync(key))!;
        for (var k = 0; k < 2; k++) await engine.AnswerAndCheckAsync(client, exam, trueTheta: 0.2);

        await fixture.Redis.GetDatabase().StringSetAsync(key, older, TimeSpan.FromMinutes(30));
        await engine.AnswerAndCheckAsync(client, exam, trueTheta: 0.2);

        Assert.Equal(5, await fixture.AttemptCountAsync(exam.SessionId));
        var state = SessionHotState.FromBytes((byte[])(await fixture.Redis.GetDatabase().StringGetAsync(key))!);
        Assert.Equal(engine.State.Items.ToArray(), state.Exam.Items.ToArray());
        Assert.Equal(engine.State.CurrentItem, state.Exam.CurrentItem);
    }

    [Fact]
    public async Task AnswerToACompletedExamWhoseRedisCopySurvivedIsRefusedAndNotRecorded()
    {
        var exam = await client.StartExamAsync("test-math", maxItems: 10);
        var engine = new EngineReplica(fixture.Bank, "test-math", 10, null, exam.FirstItemId);
        for (var k = 0; k < 2; k++) await engine.AnswerAndCheckAsync(client, exam, trueTheta: -0.5);
        var key = SessionStateStore.StateKey(exam.SessionId);
        var active = (byte[])(await fixture.Redis.GetDatabase().StringGetAsync(key))!;
        var completed = await client.PostJsonAsync("/api/adaptive/complete", new { sessionId = exam.SessionId }, exam.Token);
        Assert.True(completed.Status == HttpStatusCode.OK, completed.Body);

        await fixture.Redis.GetDatabase().StringSetAsync(key, active, TimeSpan.FromMinutes(30));
        var itemId = engine.CurrentItemId!.Value;
        var refused = await client.AnswerAsync(exam.SessionId, itemId, EngineReplica.Respond(fixture.Bank[itemId], -0.5).Response, exam.Token);

        Assert.True(refused.Status == HttpStatusCode.Conflict, $"{(int)refused.Status} {refused.Body}");
        Assert.Equal("Exam over", refused.Json!["title"]!.GetValue<string>());
        Assert.Equal(2, await fixture.AttemptCountAsync(exam.SessionId));
        Assert.False(await fixture.Redis.GetDatabase().KeyExistsAsync(key));
    }

    [Fact]
    public async Task AStateRebuiltMeanwhileNeitherOverwritesANewerOneNorMovesTheActivityIndexBack()
    {
        var exam = await client.StartExamAsync("test-physics", maxItems: 10);
        var engine = new EngineReplica(fixture.Bank, "test-physics", 10, null, exam.FirstItemId);
        for (var k = 0; k < 2; k++) await engine.AnswerAndCheckAsync(client, exam, trueTheta: 0.4);
        var database = fixture.Redis.GetDatabase();
        var key = SessionStateStore.StateKey(exam.SessionId);
        var (indexKey, member) = SessionStateStore.ActivityEntry(exam.SessionId);
        var current = (byte[])(await database.StringGetAsync(key))!;
        var indexed = (await database.SortedSetScoreAsync(indexKey, member))!.Value;
        await database.KeyExpireAsync(key, TimeSpan.FromMinutes(20));
        var store = new SessionStateStore(fixture.Redis, new HotStateOptions());
        var older = SessionHotState.FromBytes(current);
        older = older with { LastActivity = older.LastActivity.AddMinutes(-5) };

        var ttlBeside = await store.SaveIfAbsentAsync(exam.SessionId, older);

        Assert.Equal(current, (byte[])(await database.StringGetAsync(key))!);
        Assert.Equal(indexed, await database.SortedSetScoreAsync(indexKey, member));
        Assert.InRange(ttlBeside!.Value.TotalMinutes, 19.9, 20);

        await database.KeyDeleteAsync(key);
        var ttlWritten = await store.SaveIfAbsentAsync(exam.SessionId, older);

        Assert.Equal(older.ToBytes(), (byte[])(await database.StringGetAsync(key))!);
        Assert.Equal(indexed, await database.SortedSetScoreAsync(indexKey, member));
        Assert.InRange(ttlWritten!.Value.TotalMinutes, 29.9, 30);
        var (loaded, ttlLoaded) = await store.LoadWithTimeToLiveAsync(exam.SessionId);
        Assert.Equal(older.ToBytes(), loaded!.ToBytes());
        Assert.InRange(ttlLoaded!.Value.TotalMinutes, 29.9, 30);
    }
}
