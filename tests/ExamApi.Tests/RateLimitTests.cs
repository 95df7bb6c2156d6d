using System.Net;

namespace ExamApi.Tests;

/// <summary>
/// The default rate limits on the real graph: a burst of starts for one student and a burst of answers to one session
/// get 429 ProblemDetails naming the limit, with Retry-After; other students and sessions are not held back. The
/// bursts are held in flight (<see cref="HeldBurst"/>), so exactly the limit gets through on any machine.
/// </summary>
[Collection(CredentialGraphCollection.Name)]
public sealed class RateLimitTests(CredentialGraphFixture fixture)
{
    // The defaults of Exam:RateLimits, which this graph keeps.
    private const int StartsInFlightPerStudent = 4;
    private const int AnswersInFlightPerSession = 4;

    private readonly ExamClient client = new(fixture.CreateClient());

    [Fact]
    public async Task ABurstOfStartsForOneStudentIsLimitedAndOtherStudentsAreNot()
    {
        var studentId = $"burst-{Guid.NewGuid():N}"[..20];
        var token = await client.StudentTokenAsync(studentId);
        var body = $$"""{"studentId":"{{studentId}}","subject":"test-math"}""";

        var bystander = client.StartAsync(new { studentId = $"calm-{Guid.NewGuid():N}"[..20], subject = "test-math" });
        var responses = await HeldBurst.PostAsync(client.Http.BaseAddress!, "/api/adaptive/start", body, token, 40);

        Assert.Equal(HttpStatusCode.Created, (await bystander).Status);
        var limited = responses.Where(r => r.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(40 - StartsInFlightPerStudent, limited.Count);
        Assert.All(responses.Except(limited), r => Assert.True(r.Status == HttpStatusCode.Created, r.Body));
        Assert.All(limited, r => AssertLimited(r, "student"));
        Assert.Equal(StartsInFlightPerStudent, await fixture.ScalarAsync<long>("SELECT count(*) FROM exam_sessions WHERE student_id = $1", studentId));

        // The limit is on starts at once, so the student starts again as soon as the burst is over.
        Assert.Equal(HttpStatusCode.Created, (await client.PostRawAsync("/api/adaptive/start", body, token)).Status);
    }

    [Fact]
    public async Task ABurstOfAnswersToOneSessionIsLimitedAndOtherSessionsAreNot()
    {
        var exam = await client.StartExamAsync("test-math");
        var other = await client.StartExamAsync("test-math");

        var body = $$"""{"sessionId":"{{exam.SessionId}}","itemId":{{exam.FirstItemId}},"response":0}""";
        var bystander = client.AnswerAsync(other.SessionId, other.FirstItemId, 0, other.Token);
        var responses = await HeldBurst.PostAsync(client.Http.BaseAddress!, "/api/adaptive/answer", body, exam.Token, 60);

        var answered = await bystander;
        Assert.True(answered.Status == HttpStatusCode.OK, answered.Body);
        var limited = responses.Where(r => r.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(60 - AnswersInFlightPerSession, limited.Count);
        Assert.All(limited, r => AssertLimited(r, "session"));
        // What got through is one answer, recorded once (the rest of the burst repeated it).
        var accepted = responses.Except(limited).ToList();
        Assert.NotEmpty(accepted);
        Assert.All(accepted, r => Assert.True(r.Status == HttpStatusCode.OK, r.Body));
        Assert.Single(accepted.Select(r => r.Body).Distinct());
        Assert.Equal(1, await fixture.AttemptCountAsync(exam.SessionId));

        // One answer at a time is never limited.
        var next = accepted[0].Json!["nextItem"]!["id"]!.GetValue<long>();
        var again = await client.AnswerAsync(exam.SessionId, next, 0, exam.Token);
        Assert.True(again.Status == HttpStatusCode.OK, again.Body);
    }

    [Fact]
    public async Task AnswersWithAForgedTokenAreRefusedAsUnauthorizedNotCountedAgainstTheSession()
    {
        var exam = await client.StartExamAsync("test-math");
        var forged = exam.Token[..^2] + (exam.Token[^2] == 'A' ? "B" : "A") + exam.Token[^1];

        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => client.AnswerAsync(exam.SessionId, exam.FirstItemId, 0, forged)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Unauthorized, r.Status));
        Assert.Equal(HttpStatusCode.OK, (await client.AnswerAsync(exam.SessionId, exam.FirstItemId, 0, exam.Token)).Status);
    }

    private static void AssertLimited(ApiResponse response, string limit)
    {
        Assert.Equal("application/problem+json", response.Message.Content.Headers.ContentType?.MediaType);
        Assert.Equal(429, response.Json!["status"]!.GetValue<int>());
        Assert.Equal(limit, response.Json["limit"]!.GetValue<string>());
        Assert.Contains(limit, response.Json["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var retryAfter = response.Message.Headers.RetryAfter?.Delta;
        Assert.True(retryAfter >= TimeSpan.FromSeconds(1), $"Retry-After: {response.Message.Headers.RetryAfter}");
    }
}
