using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace ExamApi.Tests;

/// <summary>A response read whole: status, raw body and the body as JSON (null when it is not JSON).</summary>
public sealed record ApiResponse(HttpStatusCode Status, string Body, JsonNode? Json, HttpResponseMessage Message)
{
    /// <summary>The ProblemDetails "field" extension, when there is one.</summary>
    public string? Field => Json?["field"]?.GetValue<string>();

    /// <summary>Reads a response whole.</summary>
    public static async Task<ApiResponse> ReadAsync(HttpResponseMessage message)
    {
        var body = await message.Content.ReadAsStringAsync();
        JsonNode? json = null;
        try
        {
            json = body.Length == 0 ? null : JsonNode.Parse(body);
        }
        catch (System.Text.Json.JsonException)
        {
            // Not JSON (a bare status page, say): the test looks at Status and Body instead.
        }

        return new ApiResponse(message.StatusCode, body, json, message);
    }
}

/// <summary>
/// Calls the exam endpoints the way a student's client does: a start carries the student token of the body's
/// <c>studentId</c>, which the client gets once per student from the admin endpoint (<paramref name="adminKey"/>).
/// </summary>
public sealed class ExamClient(HttpClient http, string adminKey = ExamGraphFixture.AdminKey)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> studentTokens = new(StringComparer.Ordinal);

    public HttpClient Http => http;

    public Task<ApiResponse> StartAsync(object request) => PostStartAsync("/api/adaptive/start", request);

    /// <summary>
    /// Posts a start (exam or practice) with the token of the body's <c>studentId</c>; a body without a usable student
    /// id (missing, not a string, empty, too long) goes without one.
    /// </summary>
    public async Task<ApiResponse> PostStartAsync(string path, object request)
    {
        var studentId = System.Text.Json.JsonSerializer.SerializeToNode(request)?["studentId"] is JsonValue value && value.TryGetValue<string>(out var id) ? id : null;
        var token = studentId is { Length: > 0 and <= 100 } && !string.IsNullOrWhiteSpace(studentId) ? await StudentTokenAsync(studentId) : null;
        return await SendAsync(HttpMethod.Post, path, token, JsonContent.Create(request));
    }

    /// <summary>The student's token, issued on first use and kept for the client's lifetime.</summary>
    public Task<string> StudentTokenAsync(string studentId) => studentTokens.GetOrAdd(studentId, id => new Lazy<Task<string>>(async () =>
    {
        var issued = await IssueStudentTokenAsync(id);
        Assert.True(issued.Status == HttpStatusCode.OK, issued.Body);
        return issued.Json!["token"]!.GetValue<string>();
    })).Value;

    /// <summary><c>POST /api/students/{studentId}/tokens</c>, with the admin key unless told otherwise.</summary>
    public Task<ApiResponse> IssueStudentTokenAsync(string studentId, int? lifetimeSeconds = null, string? withAdminKey = null) =>
        SendAsync(HttpMethod.Post, $"/api/students/{Uri.EscapeDataString(studentId)}/tokens", null,
            lifetimeSeconds is null ? null : JsonContent.Create(new { lifetimeSeconds }), withAdminKey ?? adminKey);

    // Designs made for the tests, per graph and definition: made and activated once, shared by every test that asks.
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Designs = new();

    /// <summary>
    /// The id of an active design for <paramref name="subject"/> that runs as exams ran before designs: EAP, the first
    /// item at random among the 5 most informative, then maximum information, to <paramref name="maxItems"/> items or
    /// the SE target.
    /// </summary>
    public Task<string> DesignAsync(string subject, int maxItems, double? seTarget = null, int? timeLimitSeconds = null)
    {
        var definition = new { firstItem = new { rule = "randomesque", candidates = 5 }, stopping = new { maxItems, seTarget }, timeLimitSeconds };
        var key = $"{http.BaseAddress}|{subject}|{System.Text.Json.JsonSerializer.Serialize(definition)}";
        var id = "t-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
        return Designs.GetOrAdd(key, _ => new Lazy<Task<string>>(() => CreateDesignAsync(id, subject, definition))).Value;
    }

    /// <summary>Creates a design, activates its first version and returns its id; both steps must succeed.</summary>
    public async Task<string> CreateDesignAsync(string id, string subject, object definition)
    {
        var created = await SendAsync(HttpMethod.Post, "/api/designs", null, JsonContent.Create(new { id, subject, definition }), ExamGraphFixture.AdminKey);
        Assert.True(created.Status == HttpStatusCode.Created, created.Body);
        var activated = await SendAsync(HttpMethod.Post, $"/api/designs/{id}/versions/1/activate", null, null, ExamGraphFixture.AdminKey);
        Assert.True(activated.Status == HttpStatusCode.OK, activated.Body);
        return id;
    }

    /// <summary>Starts an exam that must start, returning its id, token and first item id.</summary>
    public async Task<StartedExam> StartExamAsync(string subject, int maxItems = 10, double? seTarget = null, int? timeLimitSeconds = null, string? studentId = null)
    {
        var designId = await DesignAsync(subject, maxItems, seTarget, timeLimitSeconds);
        var response = await StartAsync(new { studentId = studentId ?? $"student-{Guid.NewGuid():N}", designId });
        Assert.True(response.Status == HttpStatusCode.Created, response.Body);
        return new StartedExam(Guid.Parse(response.Json!["sessionId"]!.GetValue<string>()), response.Json["token"]!.GetValue<string>(),
            response.Json["item"]!["id"]!.GetValue<long>(), response);
    }

    public Task<ApiResponse> AnswerAsync(Guid sessionId, long itemId, int response, string? token) =>
        SendAsync(HttpMethod.Post, "/api/adaptive/answer", token, JsonContent.Create(new { sessionId, itemId, response }));

    public Task<ApiResponse> PostRawAsync(string path, string body, string? token, string contentType = "application/json") =>
        SendAsync(HttpMethod.Post, path, token, new StringContent(body, Encoding.UTF8, contentType));

    public Task<ApiResponse> PostJsonAsync(string path, object body, string? token) => SendAsync(HttpMethod.Post, path, token, JsonContent.Create(body));

    public Task<ApiResponse> GetAsync(string path, string? token, string? adminKey = null) => SendAsync(HttpMethod.Get, path, token, null, adminKey);

    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, string? token, HttpContent? content, string? adminKey = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (adminKey is not null)
        {
            request.Headers.Add("X-Api-Key", adminKey);
        }

        return await ApiResponse.ReadAsync(await http.SendAsync(request));
    }
}

/// <summary>A started exam.</summary>
public sealed record StartedExam(Guid SessionId, string Token, long FirstItemId, ApiResponse Response);
