using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ExamApi.Tests;

/// <summary>A generated practice session as the API returned it.</summary>
public sealed record StartedPractice(Guid SessionId, string Token, JsonNode Json)
{
    /// <summary>Every question in position order, with its section.</summary>
    public IReadOnlyList<(string Section, JsonNode Question)> Questions =>
        Json["sections"]!.AsArray().SelectMany(section => section!["questions"]!.AsArray().Select(q => (section["name"]!.GetValue<string>(), q!))).ToArray();

    /// <summary>The item ids in position order.</summary>
    public long[] ItemIds => Questions.Select(q => q.Question["itemId"]!.GetValue<long>()).ToArray();

    /// <summary>A section's topics in order.</summary>
    public string[] Topics(string section) =>
        Json["sections"]!.AsArray().Single(s => s!["name"]!.GetValue<string>() == section)!["topics"]!.AsArray().Select(t => t!["topic"]!.GetValue<string>()).ToArray();

    /// <summary>A section's questions.</summary>
    public JsonNode[] QuestionsOf(string section) => Questions.Where(q => q.Section == section).Select(q => q.Question).ToArray();
}

/// <summary>Calls the practice endpoints the way a student's client does.</summary>
public sealed class PracticeClient(ExamClient client)
{
    public ExamClient Client => client;

    public Task<ApiResponse> StartAsync(object request) => client.PostStartAsync("/api/practice/sessions", request);

    /// <summary>Generates a session that must be created.</summary>
    public async Task<StartedPractice> StartSessionAsync(string studentId, string subject, int? size = null, long? seed = null, object? mix = null)
    {
        var response = await StartAsync(new { studentId, subject, size, seed, mix });
        Assert.True(response.Status == HttpStatusCode.Created, response.Body);
        return new StartedPractice(Guid.Parse(response.Json!["sessionId"]!.GetValue<string>()), response.Json["token"]!.GetValue<string>(), response.Json);
    }

    public Task<ApiResponse> AnswerAsync(StartedPractice practice, long itemId, int response, string? token = null) =>
        client.SendAsync(HttpMethod.Post, $"/api/practice/sessions/{practice.SessionId}/answers", token ?? practice.Token, JsonContent.Create(new { itemId, response }));

    public Task<ApiResponse> GetAsync(StartedPractice practice) => client.GetAsync($"/api/practice/sessions/{practice.SessionId}", practice.Token);

    public Task<ApiResponse> CompleteAsync(StartedPractice practice) =>
        client.SendAsync(HttpMethod.Post, $"/api/practice/sessions/{practice.SessionId}/complete", practice.Token, null);

    /// <summary>
    /// A new student the platform knows (a student is known from their first exam): starts an exam for them in
    /// <paramref name="examSubject"/> without answering it.
    /// </summary>
    public async Task<(string StudentId, StartedExam Exam)> KnownStudentAsync(string examSubject)
    {
        var studentId = $"p-{Guid.NewGuid():N}"[..20];
        var exam = await client.StartExamAsync(examSubject, maxItems: 5, studentId: studentId);
        return (studentId, exam);
    }

    /// <summary>
    /// A student known from an exam that has ended: practice caches what it derives from their record (while an exam
    /// runs it reads the record fresh).
    /// </summary>
    public async Task<string> StudentWithoutRunningExamAsync(string examSubject)
    {
        var (studentId, exam) = await KnownStudentAsync(examSubject);
        var completed = await client.PostJsonAsync("/api/adaptive/complete", new { sessionId = exam.SessionId }, exam.Token);
        if (completed.Status != System.Net.HttpStatusCode.OK) throw new InvalidOperationException($"Completing the exam failed: {completed.Body}");
        return studentId;
    }
}
