using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace ExamApi.Tests;

/// <summary>Calls the admin endpoints with the fixture's admin key, and builds valid item bodies to vary.</summary>
public sealed class AdminApi(ExamClient client)
{
    public ExamClient Client => client;

    public Task<ApiResponse> PostAsync(string path, object body) =>
        client.SendAsync(HttpMethod.Post, path, null, JsonContent.Create(body), ExamGraphFixture.AdminKey);

    public Task<ApiResponse> PostRawAsync(string path, string json) =>
        client.SendAsync(HttpMethod.Post, path, null, new StringContent(json, Encoding.UTF8, "application/json"), ExamGraphFixture.AdminKey);

    public Task<ApiResponse> PutAsync(string path, object body) =>
        client.SendAsync(HttpMethod.Put, path, null, JsonContent.Create(body), ExamGraphFixture.AdminKey);

    public Task<ApiResponse> GetAsync(string path) => client.GetAsync(path, null, ExamGraphFixture.AdminKey);

    /// <summary>Imports items that must import; returns their JSON views in order.</summary>
    public async Task<JsonArray> ImportAsync(IEnumerable<JsonObject> items)
    {
        var response = await PostAsync("/api/items/import", items.ToArray());
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        return response.Json!["items"]!.AsArray();
    }

    /// <summary>A valid item body in <paramref name="subject"/>; change fields to make it invalid.</summary>
    public static JsonObject Item(string subject, string topic = "t1", int n = 0, double b = 0) => new()
    {
        ["subject"] = subject,
        ["topic"] = topic,
        ["content"] = $"Question {n} of {subject}?",
        ["options"] = new JsonArray("w", "x", "y", "z"),
        ["answerKey"] = 2,
        ["a"] = 1.2,
        ["b"] = b,
        ["c"] = 0.1,
        ["d"] = 1.0,
    };

    /// <summary>A subject name no other test uses.</summary>
    public static string NewSubject(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..30];
}
