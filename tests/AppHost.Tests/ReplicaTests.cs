using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using GraphHost;

namespace AppHost.Tests;

/// <summary>The graph with ExamApi at two replicas (<c>ExamApi:Replicas=2</c>), as the load harness's replica-kill scenario runs it.</summary>
public sealed class ReplicaGraphFixture : GraphFixture
{
    protected override ExamGraphOptions Options => new() { ExamApiReplicas = 2 };
}

[CollectionDefinition(Name)]
public sealed class ReplicaGraphCollection : ICollectionFixture<ReplicaGraphFixture>
{
    public const string Name = "replicated graph";
}

[Collection(ReplicaGraphCollection.Name)]
public sealed class ReplicaTests(ReplicaGraphFixture fixture)
{
    private ExamGraph Graph => fixture.Graph;

    [Fact]
    public async Task BothReplicasRunHealthyInTheirOwnProcessesOnTheirOwnPortsBehindOneEndpoint()
    {
        Assert.Equal(2, Graph.InstanceCount("examapi"));
        Assert.NotEqual(Graph.ProcessId("examapi", 0), Graph.ProcessId("examapi", 1));
        var urls = Graph.ReplicaUrls("examapi");
        Assert.NotEqual(urls[0].Port, urls[1].Port);
        for (var replica = 0; replica < 2; replica++)
        {
            using var client = Graph.CreateReplicaClient("examapi", replica);
            await GraphFixture.PollHealthAsync(client, HttpStatusCode.OK);
        }

        using var proxied = Graph.CreateHttpClient("examapi");
        Assert.DoesNotContain(proxied.BaseAddress!.Port, urls.Select(url => url.Port));
        await GraphFixture.PollHealthAsync(proxied, HttpStatusCode.OK);
    }

    [Fact]
    public void ReplicasGetTheSameEnvironmentButTheirOwnPort()
    {
        var environments = Enumerable.Range(0, 2).Select(replica => Graph.Snapshot("examapi", replica).EnvironmentVariables
            .ToDictionary(variable => variable.Name, variable => variable.Value, StringComparer.Ordinal)).ToList();
        string[] perReplica = ["ASPNETCORE_URLS", "HTTP_PORTS", "OTEL_RESOURCE_ATTRIBUTES"];
        Assert.NotEqual(environments[0]["ASPNETCORE_URLS"], environments[1]["ASPNETCORE_URLS"]);
        Assert.Equal(environments[0].Keys.Order(StringComparer.Ordinal), environments[1].Keys.Order(StringComparer.Ordinal));
        Assert.All(environments[0].Keys.Except(perReplica), key => Assert.Equal(environments[0][key], environments[1][key]));
        Assert.Contains("Exam__SessionKey", environments[0].Keys);
        Assert.Contains("Exam__StudentKey", environments[0].Keys);
    }

    [Fact]
    public async Task SessionStartedOnOneReplicaIsAnsweredOnTheOtherWithTheSameToken()
    {
        using var first = Graph.CreateReplicaClient("examapi", 0);
        using var second = Graph.CreateReplicaClient("examapi", 1);

        // The student token too comes from the other replica: both sign with the AppHost's student-key.
        var session = await ExamSession.StartAsync(second, first, "replica-hopper", Graph);
        var answer = await session.AnswerAsync(second);
        Assert.Equal(1, answer.GetProperty("answered").GetInt32());

        var next = await session.NextAsync(first);
        Assert.Equal(answer.GetProperty("nextItem").GetProperty("id").GetInt32(), next.GetProperty("id").GetInt32());
        Assert.Equal(2, (await session.AnswerAsync(first)).GetProperty("answered").GetInt32());
    }

    [Fact]
    public async Task KillingOneReplicaByItsProcessIdLeavesTheOtherServingAndItStartsAgain()
    {
        using var first = Graph.CreateReplicaClient("examapi", 0);
        using var second = Graph.CreateReplicaClient("examapi", 1);
        var session = await ExamSession.StartAsync(second, "survivor", Graph);
        var (firstPid, secondPid, workerPid) = (Graph.ProcessId("examapi", 0), Graph.ProcessId("examapi", 1)!.Value, Graph.ProcessId("cleanupworker"));

        var ended = await Graph.KillAsync("examapi", replica: 1).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains(ended.State?.Text, KnownResourceStates.TerminalStates);
        Assert.Null(Processes.CommandLine(secondPid));
        Assert.Equal(KnownResourceStates.Running, Graph.Snapshot("examapi", 0).State?.Text);
        Assert.Equal(firstPid, Graph.ProcessId("examapi", 0));
        Assert.Equal(workerPid, Graph.ProcessId("cleanupworker"));
        await GraphFixture.PollHealthAsync(first, HttpStatusCode.OK);

        // The exam started on the killed replica goes on on the surviving one, directly and through the shared endpoint.
        Assert.Equal(1, (await session.AnswerAsync(first)).GetProperty("answered").GetInt32());
        using (var proxied = Graph.CreateHttpClient("examapi"))
        {
            Assert.Equal(2, (await session.AnswerAsync(proxied)).GetProperty("answered").GetInt32());
        }

        await Graph.StartAsync("examapi", replica: 1).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(3, (await session.AnswerAsync(second)).GetProperty("answered").GetInt32());
    }

    /// <summary>An exam on the Development demo bank and its default design (which ExamApi seeds into the empty test database), answered with option 0 each time.</summary>
    private sealed class ExamSession(string sessionId, string token, int currentItem)
    {
        private int currentItem = currentItem;

        public static Task<ExamSession> StartAsync(HttpClient client, string studentId, ExamGraph graph) => StartAsync(client, client, studentId, graph);

        /// <summary>Starts the exam on <paramref name="starter"/> with a student token issued by <paramref name="issuer"/>.</summary>
        public static async Task<ExamSession> StartAsync(HttpClient issuer, HttpClient starter, string studentId, ExamGraph graph)
        {
            using var tokenRequest = new HttpRequestMessage(HttpMethod.Post, $"/api/students/{studentId}/tokens") { Headers = { { "X-Api-Key", await graph.ParameterAsync("admin-key") } } };
            using var issued = await issuer.SendAsync(tokenRequest);
            var studentToken = (await ReadAsync(issued, HttpStatusCode.OK)).GetProperty("token").GetString()!;

            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/adaptive/start")
            {
                Content = JsonContent.Create(new { studentId, subject = "math" }),
                Headers = { Authorization = new AuthenticationHeaderValue("Bearer", studentToken) },
            };
            using var response = await starter.SendAsync(request);
            var body = await ReadAsync(response, HttpStatusCode.Created);
            return new ExamSession(body.GetProperty("sessionId").GetString()!, body.GetProperty("token").GetString()!,
                body.GetProperty("item").GetProperty("id").GetInt32());
        }

        // A request the proxy could not hand to a replica (one just killed) is sent again, as a client would; an answer
        // sent twice is recorded once anyway.
        public async Task<JsonElement> AnswerAsync(HttpClient client)
        {
            for (var attempt = 1; ; attempt++)
            {
                using var request = Authorized(HttpMethod.Post, "/api/adaptive/answer");
                request.Content = JsonContent.Create(new { sessionId, itemId = currentItem, response = 0 });
                try
                {
                    using var response = await client.SendAsync(request);
                    var body = await ReadAsync(response, HttpStatusCode.OK);
                    currentItem = body.GetProperty("nextItem").GetProperty("id").GetInt32();
                    return body;
                }
                catch (HttpRequestException) when (attempt < 10)
                {
                    await Task.Delay(200);
                }
            }
        }

        public async Task<JsonElement> NextAsync(HttpClient client)
        {
            using var request = Authorized(HttpMethod.Get, $"/api/adaptive/next?sessionId={sessionId}");
            using var response = await client.SendAsync(request);
            return await ReadAsync(response, HttpStatusCode.OK);
        }

        private HttpRequestMessage Authorized(HttpMethod method, string path) =>
            new(method, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };

        private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }
}
