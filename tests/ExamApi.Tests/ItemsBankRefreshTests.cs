using System.Net;
using System.Text.Json.Nodes;
using ExamStore.Bank;
using StackExchange.Redis;

namespace ExamApi.Tests;

/// <summary>Item changes reach the running API's in-memory bank at once, and retired items are never served.</summary>
[Collection(ExamGraphCollection.Name)]
public sealed class ItemsBankRefreshTests(ExamGraphFixture fixture)
{
    private readonly AdminApi admin = new(new ExamClient(fixture.CreateClient()));

    [Fact]
    public async Task A_subject_created_by_bulk_import_can_be_examined_immediately_and_the_change_is_published()
    {
        var subject = AdminApi.NewSubject("fresh");
        var published = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscriber = fixture.Redis.GetSubscriber();
        await subscriber.SubscribeAsync(ItemChangeNotifications.Channel, (_, message) =>
        {
            if (message == subject) published.TrySetResult(message!);
        });
        try
        {
            // Unknown before the import: the API has no bank for it.
            var before = await admin.Client.StartAsync(new { studentId = "s1", subject });
            Assert.Equal(HttpStatusCode.BadRequest, before.Status);

            await admin.ImportAsync(Enumerable.Range(0, 8).Select(n => AdminApi.Item(subject, n: n, b: n - 4)));
            var exam = await admin.Client.StartExamAsync(subject, maxItems: 5);
            Assert.NotEqual(Guid.Empty, exam.SessionId);
            Assert.Equal(subject, await published.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        }
        finally
        {
            await subscriber.UnsubscribeAsync(ItemChangeNotifications.Channel);
        }
    }

    [Fact]
    public async Task Retired_items_are_never_served_to_new_exams()
    {
        var subject = AdminApi.NewSubject("retire");
        var items = await admin.ImportAsync(Enumerable.Range(0, 10).Select(n => AdminApi.Item(subject, topic: $"t{n % 2}", n: n, b: (n - 5) / 2.0)));
        // The API's bank is loaded (and cached) before the retirement, so the test sees the refresh, not a first load.
        var warmUp = await admin.Client.StartExamAsync(subject, maxItems: 2);
        Assert.NotEqual(Guid.Empty, warmUp.SessionId);
        var eightItems = await admin.Client.DesignAsync(subject, maxItems: 8);

        var retiredIds = items.Take(6).Select(i => i!["id"]!.GetValue<long>()).ToHashSet();
        foreach (var id in retiredIds)
        {
            Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/items/{id}/retire", new { })).Status);
        }

        for (var run = 0; run < 3; run++)
        {
            var exam = await admin.Client.StartExamAsync(subject, maxItems: 4);
            var served = new List<long> { exam.FirstItemId };
            var itemId = exam.FirstItemId;
            while (true)
            {
                var answer = await admin.Client.AnswerAsync(exam.SessionId, itemId, run % 2 == 0 ? 2 : 0, exam.Token);
                Assert.True(answer.Status == HttpStatusCode.OK, answer.Body);
                if (answer.Json!["done"]!.GetValue<bool>()) break;
                itemId = answer.Json["nextItem"]!["id"]!.GetValue<long>();
                served.Add(itemId);
            }
            Assert.Equal(4, served.Count);
            Assert.DoesNotContain(served, retiredIds.Contains);
        }

        // Only four items are left: a new design may not ask for more, and one made before no longer starts exams.
        var tooLong = await admin.PostAsync("/api/designs", new { id = "too-long-" + subject, subject, definition = new { stopping = new { maxItems = 5 } } });
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.Status);
        Assert.Equal("definition.stopping.maxItems", tooLong.Field);
        var stale = await admin.Client.StartAsync(new { studentId = "s2", designId = eightItems });
        Assert.Equal(HttpStatusCode.Conflict, stale.Status);
        Assert.Equal("designId", stale.Field);
    }

    [Fact]
    public async Task A_change_written_by_another_instance_reaches_this_api_through_the_notification()
    {
        var subject = AdminApi.NewSubject("elsewhere");
        var items = await admin.ImportAsync(Enumerable.Range(0, 10).Select(n => AdminApi.Item(subject, n: n, b: (n - 5) / 2.0)));
        var warmUp = await admin.Client.StartExamAsync(subject, maxItems: 5);
        Assert.NotEqual(Guid.Empty, warmUp.SessionId);
        var fiveItems = await admin.Client.DesignAsync(subject, maxItems: 5);

        // Another instance's import: the rows and the version move in Postgres, and only the notification tells this API.
        var retired = items.Take(6).Select(i => i!["id"]!.GetValue<long>()).ToArray();
        await fixture.ScalarAsync<int>("WITH r AS (UPDATE items SET status = 'retired' WHERE id = ANY($1) RETURNING 1) SELECT count(*)::int FROM r", retired);
        await fixture.ScalarAsync<long>("UPDATE item_bank_versions SET version = version + 1 WHERE subject = $1 RETURNING version", subject);
        await fixture.Redis.GetSubscriber().PublishAsync(ItemChangeNotifications.Channel, subject);

        // Well inside the bank cache's 10 s version recheck, so only the notification can have refreshed it.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        ApiResponse tooLong;
        while (true)
        {
            tooLong = await admin.Client.StartAsync(new { studentId = "s3", designId = fiveItems });
            if (tooLong.Status == HttpStatusCode.Conflict || clock.Elapsed > TimeSpan.FromSeconds(4)) break;
            await Task.Delay(100);
        }
        Assert.True(tooLong.Status == HttpStatusCode.Conflict, $"the API still serves the old bank: {(int)tooLong.Status} {tooLong.Body}");
        Assert.Equal("designId", tooLong.Field);
    }
}
