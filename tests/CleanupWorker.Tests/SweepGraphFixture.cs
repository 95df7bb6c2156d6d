using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using CleanupWorker.Extensions;
using ExamStore.Sessions;
using GraphHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CleanupWorker.Tests;

/// <summary>
/// The whole graph (its ExamApi seeds the Development demo bank) plus sweepers built in-process from the worker's own
/// service registrations against the graph's Redis and Postgres, as separate "instances" that share nothing but the
/// servers. The graph's worker sweeps at start and then hourly, and only sessions idle for a year, so it never races
/// the tests.
/// </summary>
public sealed class SweepGraphFixture : IAsyncLifetime
{
    private readonly List<WebApplication> instances = [];
    private ExamGraph? graph;

    public ExamGraph Graph => graph ?? throw new InvalidOperationException("The graph has not started.");

    public string DatabaseConnectionString { get; private set; } = string.Empty;

    public string CacheConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        graph = await ExamGraph.StartAsync(new ExamGraphOptions
        {
            // The graph's own worker must not race the tests' sweeps: it sweeps once at its start (which may come after a
            // test has begun), and then only sessions idle for a year.
            Configure = builder => builder.CreateResourceBuilder<ProjectResource>("cleanupworker")
                .WithEnvironment("Cleanup__Interval", "01:00:00")
                .WithEnvironment("Cleanup__InactivityMinutes", "525600"),
        });
        // Unpooled: a pooled connection keeps its session (and any advisory lock a test took) after it is closed.
        DatabaseConnectionString = new NpgsqlConnectionStringBuilder(await graph.ConnectionStringAsync("examdb")) { Pooling = false }.ConnectionString;
        CacheConnectionString = await graph.ConnectionStringAsync("cache");
    }

    public async Task DisposeAsync()
    {
        foreach (var instance in instances) await instance.DisposeAsync();
        if (graph is not null) await graph.DisposeAsync();
    }

    /// <summary>A sweeper of a new worker instance (its own connections), built with the worker's registrations.</summary>
    public SessionSweeper CreateSweeper()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Configuration["ConnectionStrings:examdb"] = DatabaseConnectionString;
        builder.Configuration["ConnectionStrings:cache"] = CacheConnectionString;
        builder.AddApplicationServices();
        var instance = builder.Build();
        instances.Add(instance);
        return instance.Services.GetRequiredService<SessionSweeper>();
    }

    /// <summary>Starts an exam in the demo bank's math subject and answers <paramref name="answers"/> items (alternately right and wrong).</summary>
    public async Task<Guid> StartExamAsync(int answers)
    {
        using var http = Graph.CreateHttpClient("examapi");
        var studentId = $"sweep-{Guid.NewGuid():N}";
        using var start = new HttpRequestMessage(HttpMethod.Post, "/api/adaptive/start") { Content = JsonContent.Create(new { studentId, subject = "math" }) };
        start.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await StudentTokenAsync(http, studentId));
        var started = await http.SendAsync(start);
        var body = JsonNode.Parse(await started.Content.ReadAsStringAsync())!;
        Assert.True(started.IsSuccessStatusCode, body.ToJsonString());
        var sessionId = body["sessionId"]!.GetValue<Guid>();
        var token = body["token"]!.GetValue<string>();
        var itemId = body["item"]!["id"]!.GetValue<long>();
        for (var k = 0; k < answers; k++)
        {
            var key = await ScalarAsync<int>("SELECT answer_key FROM items WHERE id = $1", itemId);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/adaptive/answer")
            {
                Content = JsonContent.Create(new { sessionId, itemId, response = k % 2 == 0 ? key : (key + 1) % 4 }),
            };
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            var answered = await http.SendAsync(request);
            var result = JsonNode.Parse(await answered.Content.ReadAsStringAsync())!;
            Assert.True(answered.IsSuccessStatusCode, result.ToJsonString());
            itemId = result["nextItem"]!["id"]!.GetValue<long>();
        }
        return sessionId;
    }

    // The student's credential, from the admin endpoint with the graph's (generated) admin key.
    private async Task<string> StudentTokenAsync(HttpClient http, string studentId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/students/{studentId}/tokens");
        request.Headers.Add("X-Api-Key", await Graph.ParameterAsync("admin-key"));
        using var issued = await http.SendAsync(request);
        var body = JsonNode.Parse(await issued.Content.ReadAsStringAsync())!;
        Assert.True(issued.IsSuccessStatusCode, body.ToJsonString());
        return body["token"]!.GetValue<string>();
    }

    /// <summary>Moves a session's start and answers <paramref name="by"/> into the past in Postgres and drops its hot state.</summary>
    public async Task MakeIdleAsync(Guid sessionId, TimeSpan by)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnectionString);
        await connection.OpenAsync();
        foreach (var sql in new[]
        {
            "UPDATE exam_sessions SET started_at = started_at - $2, last_activity_at = last_activity_at - $2 WHERE id = $1",
            "UPDATE attempts SET served_at = served_at - $2, answered_at = answered_at - $2 WHERE session_id = $1",
        })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.Add(new NpgsqlParameter { Value = sessionId });
            command.Parameters.Add(new NpgsqlParameter { Value = by });
            await command.ExecuteNonQueryAsync();
        }
        // The hot state's own last activity is recent; without it the sweep goes by Postgres alone.
        using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(CacheConnectionString);
        await new ExamStore.HotState.SessionStateStore(redis, new ExamStore.HotState.HotStateOptions()).RemoveAsync(sessionId);
    }

    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters) command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        return (T)(await command.ExecuteScalarAsync())!;
    }
}

[CollectionDefinition(Name)]
public sealed class SweepGraphCollection : ICollectionFixture<SweepGraphFixture>
{
    public const string Name = "sweep graph";
}
