using System.Net;

namespace ExamApi.Tests;

/// <summary>Every malformed request is a 400 ProblemDetails naming the field, and changes nothing.</summary>
[Collection(ExamGraphCollection.Name)]
public sealed class BadInputTests(ExamGraphFixture fixture)
{
    private readonly ExamClient client = new(fixture.CreateClient());

    public static TheoryData<string, string> BadStarts => new()
    {
        { "{}", "studentId" },
        { """{"subject":"test-math"}""", "studentId" },
        { """{"studentId":"s1"}""", "designId" },
        { """{"studentId":"s1","designId":"no-such-design"}""", "designId" },
        { """{"studentId":"s1","designId":""}""", "designId" },
        { """{"studentId":"s1","designId":7}""", "designId" },
        { """{"studentId":5,"subject":"test-math"}""", "studentId" },
        { """{"studentId":"","subject":"test-math"}""", "studentId" },
        { $$"""{"studentId":"{{new string('s', 101)}}","subject":"test-math"}""", "studentId" },
        { """{"studentId":"s1","subject":"no-such-subject"}""", "subject" },
        { """{"studentId":"s1","subject":["test-math"]}""", "subject" },
        { """{"studentId":"s1","subject":"test-math","maxItems":"ten"}""", "maxItems" },
        { """{"studentId":"s1","subject":"test-math","maxItems":"10"}""", "maxItems" },
        { """{"studentId":"s1","subject":"test-math","maxItems":2.5}""", "maxItems" },
        { """{"studentId":"s1","subject":"test-math","maxItems":0}""", "maxItems" },
        { """{"studentId":"s1","subject":"test-math","maxItems":100000}""", "maxItems" },
        { """{"studentId":"s1","subject":"test-math","maxItems":99999999999}""", "maxItems" },
        { """{"studentId":"s1","subject":"test-math","minItems":6,"maxItems":5}""", "maxItems" },
        { """{"studentId":"s1","subject":"test-math","seTarget":9}""", "seTarget" },
        { """{"studentId":"s1","subject":"test-math","seTarget":true}""", "seTarget" },
        { """{"studentId":"s1","subject":"test-math","estimator":"XYZ"}""", "estimator" },
        { """{"studentId":"s1","subject":"test-math","timeLimitSeconds":5}""", "timeLimitSeconds" },
        { "{", "body" },
        { "not json", "body" },
        { "[]", "body" },
        { "null", "body" },
        { "", "body" },
    };

    [Theory]
    [MemberData(nameof(BadStarts))]
    public async Task BadStartIs400NamingTheFieldAndCreatesNoSession(string body, string field)
    {
        var sessions = await fixture.ScalarAsync<long>("SELECT count(*) FROM exam_sessions");
        // With the credential of the student most bodies name, so that the body itself is what gets refused.
        var response = await client.PostRawAsync("/api/adaptive/start", body, await client.StudentTokenAsync("s1"));
        AssertBadRequest(response, field);
        Assert.Equal(sessions, await fixture.ScalarAsync<long>("SELECT count(*) FROM exam_sessions"));
    }

    [Fact]
    public async Task HugeBodiesAre400WhateverTheEndpoint()
    {
        var exam = await client.StartExamAsync("test-math");
        var huge = $$"""{"studentId":"s1","subject":"test-math","padding":"{{new string('x', 100_000)}}"}""";
        var studentToken = await client.StudentTokenAsync("s1");
        AssertBadRequest(await client.PostRawAsync("/api/adaptive/start", huge, studentToken), "body");
        AssertBadRequest(await client.PostRawAsync("/api/adaptive/answer", huge.Replace("\"studentId\":\"s1\"", $"\"sessionId\":\"{exam.SessionId}\""), exam.Token), "body");
        AssertBadRequest(await client.PostRawAsync("/api/adaptive/complete", huge, exam.Token), "body");

        // Without Content-Length (chunked), the limit applies while reading.
        using var chunked = new HttpRequestMessage(HttpMethod.Post, "/api/adaptive/start") { Content = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(huge))) };
        chunked.Headers.TransferEncodingChunked = true;
        chunked.Headers.Authorization = new("Bearer", studentToken);
        chunked.Content.Headers.ContentType = new("application/json");
        var response = await client.Http.SendAsync(chunked);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertUnchangedAsync(exam);
    }

    [Fact]
    public async Task BadAnswersAre400NamingTheFieldAndRecordNothing()
    {
        var exam = await client.StartExamAsync("test-math");
        var id = exam.SessionId;
        var item = exam.FirstItemId;
        (string Body, string Field)[] cases =
        [
            ("""{"sessionId":"not-a-guid","itemId":1,"response":0}""", "sessionId"),
            ("""{"itemId":1,"response":0}""", "sessionId"),
            ("""{"sessionId":12,"itemId":1,"response":0}""", "sessionId"),
            ($$"""{"sessionId":"{{id}}","response":0}""", "itemId"),
            ($$"""{"sessionId":"{{id}}","itemId":"abc","response":0}""", "itemId"),
            ($$"""{"sessionId":"{{id}}","itemId":-3,"response":0}""", "itemId"),
            ($$"""{"sessionId":"{{id}}","itemId":{{item}}}""", "response"),
            ($$"""{"sessionId":"{{id}}","itemId":{{item}},"response":-1}""", "response"),
            ($$"""{"sessionId":"{{id}}","itemId":{{item}},"response":4}""", "response"),
            ($$"""{"sessionId":"{{id}}","itemId":{{item}},"response":1000000}""", "response"),
            ($$"""{"sessionId":"{{id}}","itemId":{{item}},"response":1.5}""", "response"),
            ($$"""{"sessionId":"{{id}}","itemId":{{item}},"response":"1"}""", "response"),
            ($$"""{"sessionId":"{{id}}","itemId":{{item}},"response":null}""", "response"),
            ("""{"sessionId":""", "body"),
            ("[1,2]", "body"),
        ];
        foreach (var (body, field) in cases)
        {
            AssertBadRequest(await client.PostRawAsync("/api/adaptive/answer", body, exam.Token), field, body);
        }

        AssertBadRequest(await client.GetAsync("/api/adaptive/next?sessionId=abc", exam.Token), "sessionId");
        AssertBadRequest(await client.GetAsync("/api/adaptive/next", exam.Token), "sessionId");
        AssertBadRequest(await client.GetAsync("/api/adaptive/not-a-guid", exam.Token), "sessionId");
        AssertBadRequest(await client.GetAsync("/api/adaptive/not-a-guid/history", exam.Token), "sessionId");
        AssertBadRequest(await client.PostJsonAsync("/api/adaptive/not-a-guid/extend", new { seconds = 600 }, exam.Token), "sessionId");
        AssertBadRequest(await client.PostRawAsync($"/api/adaptive/{id}/extend", """{"seconds":5}""", exam.Token), "seconds");
        AssertBadRequest(await client.PostRawAsync($"/api/adaptive/{id}/extend", """{"seconds":"long"}""", exam.Token), "seconds");
        AssertBadRequest(await client.PostRawAsync($"/api/adaptive/{id}/extend", "{}", exam.Token), "seconds");
        AssertBadRequest(await client.PostRawAsync("/api/adaptive/complete", """{"sessionId":"nope"}""", exam.Token), "sessionId");
        AssertBadRequest(await client.PostRawAsync("/api/adaptive/complete", "{}", exam.Token), "sessionId");
        AssertBadRequest(await client.GetAsync($"/api/students/{new string('s', 101)}/proficiency", null, ExamGraphFixture.AdminKey), "studentId");

        await AssertUnchangedAsync(exam);
    }

    private async Task AssertUnchangedAsync(StartedExam exam)
    {
        Assert.Equal(0, await fixture.AttemptCountAsync(exam.SessionId));
        var status = await client.GetAsync($"/api/adaptive/{exam.SessionId}", exam.Token);
        Assert.Equal("active", status.Json!["state"]!.GetValue<string>());
        Assert.Equal(0, status.Json["answered"]!.GetValue<int>());
        var next = await client.GetAsync($"/api/adaptive/next?sessionId={exam.SessionId}", exam.Token);
        Assert.Equal(exam.FirstItemId, next.Json!["id"]!.GetValue<long>());
    }

    private static void AssertBadRequest(ApiResponse response, string field, string? request = null)
    {
        Assert.True(response.Status == HttpStatusCode.BadRequest, $"{request}: {(int)response.Status} {response.Body}");
        Assert.Equal("application/problem+json", response.Message.Content.Headers.ContentType?.MediaType);
        Assert.True(field == response.Field, $"{request}: expected field '{field}', got {response.Body}");
    }
}
