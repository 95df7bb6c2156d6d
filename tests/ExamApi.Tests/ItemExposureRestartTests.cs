using System.Net;

namespace ExamApi.Tests;

/// <summary>The exposure counts live in Postgres: an ExamApi restart (which reruns the migrator) keeps them as they were.</summary>
[Collection(FaultGraphCollection.Name)]
public sealed class ItemExposureRestartTests(FaultGraphFixture fixture)
{
    [Fact]
    public async Task Exposure_counts_survive_an_ExamApi_restart()
    {
        var admin = new AdminApi(new ExamClient(fixture.CreateClient()));
        var subject = AdminApi.NewSubject("restart");
        await admin.ImportAsync(Enumerable.Range(0, 6).Select(n => AdminApi.Item(subject, n: n, b: n - 3)));
        var exam = await admin.Client.StartExamAsync(subject, maxItems: 3);
        long? current = exam.FirstItemId;
        while (current is { } itemId)
        {
            var answer = await admin.Client.AnswerAsync(exam.SessionId, itemId, 2, exam.Token);
            Assert.True(answer.Status == HttpStatusCode.OK, answer.Body);
            current = answer.Json!["nextItem"]?["id"]?.GetValue<long>();
        }
        var before = await admin.GetAsync($"/api/items/exposure?subject={subject}");
        Assert.True(before.Status == HttpStatusCode.OK, before.Body);
        Assert.Equal(1, before.Json!["exams"]!.GetValue<long>());

        await fixture.Graph.StopAsync("examapi");
        await fixture.Graph.StartAsync("examapi");

        var after = await new AdminApi(new ExamClient(fixture.CreateClient())).GetAsync($"/api/items/exposure?subject={subject}");
        Assert.True(after.Status == HttpStatusCode.OK, after.Body);
        Assert.Equal(before.Body, after.Body);
    }
}
