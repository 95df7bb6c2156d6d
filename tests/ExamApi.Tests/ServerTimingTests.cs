using System.Globalization;
using System.Net;
using ExamStore.HotState;

namespace ExamApi.Tests;

/// <summary>
/// The <c>Server-Timing</c> header (<c>Exam:ServerTiming</c>): ExamApi's own time for every request and, where a
/// request rebuilt a session's hot state from Postgres, the rebuild's.
/// </summary>
[Collection(ExamGraphCollection.Name)]
public sealed class ServerTimingTests(ExamGraphFixture fixture)
{
    private readonly ExamClient client = new(fixture.CreateClient());

    [Fact]
    public async Task EveryResponseCarriesTheServersTimeAndARebuildAddsItsOwn()
    {
        var exam = await client.StartExamAsync("test-physics", maxItems: 10);
        var engine = new EngineReplica(fixture.Bank, "test-physics", 10, null, exam.FirstItemId);
        for (var k = 0; k < 3; k++) await engine.AnswerAndCheckAsync(client, exam, trueTheta: 0.4);

        var started = Timings(exam.Response);
        Assert.Equal(["app"], started.Keys);

        var warm = await client.GetAsync($"/api/adaptive/{exam.SessionId}", exam.Token);
        Assert.Equal(HttpStatusCode.OK, warm.Status);
        Assert.Equal(["app"], Timings(warm).Keys);

        await fixture.Redis.GetDatabase().KeyDeleteAsync(SessionStateStore.StateKey(exam.SessionId));
        var rebuilt = await client.GetAsync($"/api/adaptive/{exam.SessionId}", exam.Token);
        Assert.Equal(HttpStatusCode.OK, rebuilt.Status);
        var timings = Timings(rebuilt);
        Assert.Equal(["app", "rebuild"], timings.Keys.Order());
        Assert.InRange(timings["rebuild"], 0.001, timings["app"]);
        Assert.True(await fixture.Redis.GetDatabase().KeyExistsAsync(SessionStateStore.StateKey(exam.SessionId)), "The rebuilt state went back to Redis.");

        // A failure is timed too.
        var missing = await client.GetAsync($"/api/items/{long.MaxValue}", null, ExamGraphFixture.AdminKey);
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal(["app"], Timings(missing).Keys);
    }

    // "app;dur=1.2, rebuild;dur=0.8" → {app: 1.2, rebuild: 0.8}.
    internal static Dictionary<string, double> Timings(ApiResponse response)
    {
        Assert.True(response.Message.Headers.TryGetValues("Server-Timing", out var headers), "No Server-Timing header.");
        var metrics = headers.SelectMany(h => h.Split(',', StringSplitOptions.TrimEntries)).Select(m => m.Split(';', StringSplitOptions.TrimEntries)).ToArray();
        Assert.All(metrics, m => Assert.StartsWith("dur=", m[1], StringComparison.Ordinal));
        return metrics.ToDictionary(m => m[0], m => double.Parse(m[1].AsSpan(4), CultureInfo.InvariantCulture));
    }
}

/// <summary>Without <c>Exam:ServerTiming</c> ExamApi says nothing about its timings.</summary>
[Collection(CredentialGraphCollection.Name)]
public sealed class ServerTimingOffTests(CredentialGraphFixture fixture)
{
    [Fact]
    public async Task ResponsesCarryNoServerTimingByDefault()
    {
        var client = new ExamClient(fixture.CreateClient());
        var exam = await client.StartExamAsync("test-physics", maxItems: 10);
        var status = await client.GetAsync($"/api/adaptive/{exam.SessionId}", exam.Token);
        Assert.Equal(HttpStatusCode.OK, status.Status);
        Assert.False(exam.Response.Message.Headers.Contains("Server-Timing"));
        Assert.False(status.Message.Headers.Contains("Server-Timing"));
    }
}
