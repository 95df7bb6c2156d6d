using System.Net;
using System.Text.Json.Nodes;

namespace ExamApi.Tests;

/// <summary>Session calls without the session's token get one fixed 401, whether or not the session exists.</summary>
[Collection(ExamGraphCollection.Name)]
public sealed class SessionTokenTests(ExamGraphFixture fixture)
{
    private readonly ExamClient client = new(fixture.CreateClient());

    public static TheoryData<string> Endpoints => ["answer", "next", "status", "extend", "complete", "history"];

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task MissingMalformedOrWrongTokenIs401AndLooksTheSameForANonexistentSession(string endpoint)
    {
        var exam = await client.StartExamAsync("test-math");
        var other = await client.StartExamAsync("test-math");
        var nonexistent = Guid.NewGuid();
        string?[] tokens = [null, "", "garbage", other.Token, exam.Token + "x", exam.Token[..^2], new string('A', 500)];

        foreach (var token in tokens)
        {
            var existing = await CallAsync(endpoint, exam.SessionId, exam.FirstItemId, token);
            var missing = await CallAsync(endpoint, nonexistent, exam.FirstItemId, token);
            Assert.True(existing.Status == HttpStatusCode.Unauthorized, $"{endpoint} token '{token}': {(int)existing.Status} {existing.Body}");
            Assert.Equal(HttpStatusCode.Unauthorized, missing.Status);
            Assert.Equal(WithoutTraceId(existing.Json!), WithoutTraceId(missing.Json!));
            Assert.Equal("Bearer", existing.Message.Headers.WwwAuthenticate.Single().Scheme);
        }

        // A non-Bearer scheme carrying the right token is not accepted either.
        using var basic = new HttpRequestMessage(HttpMethod.Get, $"/api/adaptive/{exam.SessionId}");
        basic.Headers.TryAddWithoutValidation("Authorization", $"Basic {exam.Token}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.Http.SendAsync(basic)).StatusCode);

        Assert.Equal(0, await fixture.AttemptCountAsync(exam.SessionId));
        var status = await client.GetAsync($"/api/adaptive/{exam.SessionId}", exam.Token);
        Assert.Equal("active", status.Json!["state"]!.GetValue<string>());
    }

    private Task<ApiResponse> CallAsync(string endpoint, Guid sessionId, long itemId, string? token) => endpoint switch
    {
        "answer" => client.AnswerAsync(sessionId, itemId, 0, token),
        "next" => client.GetAsync($"/api/adaptive/next?sessionId={sessionId}", token),
        "status" => client.GetAsync($"/api/adaptive/{sessionId}", token),
        "extend" => client.PostJsonAsync($"/api/adaptive/{sessionId}/extend", new { seconds = 600 }, token),
        "complete" => client.PostJsonAsync("/api/adaptive/complete", new { sessionId }, token),
        "history" => client.GetAsync($"/api/adaptive/{sessionId}/history", token),
        _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
    };

    private static string WithoutTraceId(JsonNode problem)
    {
        var copy = problem.DeepClone().AsObject();
        copy.Remove("traceId");
        return copy.ToJsonString();
    }
}
