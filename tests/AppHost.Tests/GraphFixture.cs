using System.Net;
using System.Text.Json;
using GraphHost;

namespace AppHost.Tests;

/// <summary>One whole graph per test collection, from the real AppHost on Aspire's testing builder; disposed even when tests fail.</summary>
public class GraphFixture : IAsyncLifetime
{
    private ExamGraph? graph;

    public ExamGraph Graph => graph ?? throw new InvalidOperationException("The graph has not started.");

    /// <summary>How the collection's graph starts.</summary>
    protected virtual ExamGraphOptions Options => new();

    public async Task InitializeAsync() => graph = await ExamGraph.StartAsync(Options);

    public async Task DisposeAsync()
    {
        if (graph is not null) await graph.DisposeAsync();
    }

    /// <summary>The names of the health checks ExamApi reports for Redis and PostgreSQL (Aspire's client integrations name them).</summary>
    public static readonly string[] DependencyChecks = ["StackExchange.Redis", "PostgreSql"];

    /// <summary>GETs <c>/health</c> until it answers <paramref name="wanted"/> (30 s at most) and returns its checks.</summary>
    public static async Task<JsonElement> PollHealthAsync(HttpClient client, HttpStatusCode wanted)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var last = "(no answer)";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await client.GetAsync("/health");
                var body = await response.Content.ReadAsStringAsync();
                last = $"{(int)response.StatusCode}: {body}";
                if (response.StatusCode == wanted) return JsonDocument.Parse(body).RootElement.GetProperty("checks").Clone();
            }
            catch (HttpRequestException error)
            {
                last = error.Message;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{client.BaseAddress}health did not answer {(int)wanted} within 30 s; last answer {last}");
    }
}

[CollectionDefinition(Name)]
public sealed class GraphCollection : ICollectionFixture<GraphFixture>
{
    public const string Name = "whole graph";
}
