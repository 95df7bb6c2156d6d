using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using AppHost.Hosting;
using AppHost.Hosting.Resources;

namespace AppHost.Tests;

/// <summary>
/// The whole graph with ExamApi at two replicas (<c>ExamApi:Replicas=2</c>, as the load harness's fault scenario runs
/// it) and CleanupWorker referencing ExamApi, so its environment lists both replicas.
/// </summary>
public sealed class ReplicaGraphFixture : GraphFixture
{
    protected override IReadOnlyDictionary<string, string?> Configuration => new Dictionary<string, string?> { ["ExamApi:Replicas"] = "2" };

    protected override void Configure(DistributedApplicationBuilder graph)
    {
        base.Configure(graph);
        graph.CreateResourceBuilder<ProjectResource>("cleanupworker").WithReference(graph.CreateResourceBuilder<ProjectResource>("examapi"));
    }
}

[CollectionDefinition(Name)]
public sealed class ReplicaGraphCollection : ICollectionFixture<ReplicaGraphFixture>
{
    public const string Name = "replicated graph";
}

[Collection(ReplicaGraphCollection.Name)]
public sealed class ReplicaTests(ReplicaGraphFixture fixture)
{
    private DistributedApplication App => fixture.App;

    [Fact]
    public async Task BothReplicasRunHealthyOnTheirOwnPortsAndTheReportListsThem()
    {
        await App.WaitForResourceHealthyAsync("examapi", GraphFixture.StartTimeout);
        var snapshot = App.GetResource("examapi").Snapshot();
        Assert.Equal(["examapi-0", "examapi-1"], snapshot.Replicas.Select(replica => replica.Name));
        Assert.All(snapshot.Replicas, replica => Assert.True(replica.IsHealthy, $"{replica.Name}: {replica.State} {replica.Health}"));
        Assert.NotEqual(snapshot.Replicas[0].ProcessId, snapshot.Replicas[1].ProcessId);
        Assert.Null(snapshot.ProcessId);

        var endpoints = App.GetEndpoints("examapi");
        Assert.Equal(2, endpoints.Count);
        Assert.NotEqual(endpoints[0].Port, endpoints[1].Port);
        for (var replica = 0; replica < endpoints.Count; replica++)
        {
            using var client = App.CreateHttpClient("examapi", replica);
            Assert.Equal(endpoints[replica], client.BaseAddress);
            using var health = await client.GetAsync("/health");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        var report = StartupReport.Render(App, fixture.Builder.Parameters, fixture.Builder.Configuration);
        Assert.Matches(@"\nexamapi +Project +Running +Healthy +2 replicas", report);
        Assert.Matches($@"\n  examapi-0 +Replica +Running +Healthy +{Pattern(endpoints[0])}", report);
        Assert.Matches($@"\n  examapi-1 +Replica +Running +Healthy +{Pattern(endpoints[1])}", report);
        Assert.Contains($"  examapi-1: {endpoints[1].ToString().TrimEnd('/')}/health", report);
        Assert.Throws<ArgumentOutOfRangeException>(() => App.GetEndpoint("examapi", 2));
    }

    [Fact]
    public async Task ReplicasGetTheSameEnvironmentButTheirOwnUrlAndReferencesListEveryReplica()
    {
        await App.WaitForResourceHealthyAsync("examapi", GraphFixture.StartTimeout);
        var endpoints = App.GetEndpoints("examapi").Select(endpoint => endpoint.ToString().TrimEnd('/')).ToArray();
        var seen = new List<Dictionary<string, string>>();
        for (var replica = 0; replica < endpoints.Length; replica++)
        {
            using var client = App.CreateHttpClient("examapi", replica);
            seen.Add(JsonSerializer.Deserialize<Dictionary<string, string>>(await client.GetStringAsync("/_diagnostics/environment"))!);
            Assert.Equal(endpoints[replica], seen[replica]["ASPNETCORE_URLS"]);
            Assert.Equal("examapi", seen[replica]["OTEL_SERVICE_NAME"]);
            Assert.Matches($"^service.instance.id=examapi-{replica}-[0-9a-f]{{8}}$", seen[replica]["OTEL_RESOURCE_ATTRIBUTES"]);
        }

        string[] shared = ["ConnectionStrings__cache", "ConnectionStrings__examdb", "CACHE_URI", "EXAMDB_URI", "Exam__SessionKey", "Exam__AdminKey"];
        Assert.All(shared, key => Assert.Equal(seen[0][key], seen[1][key]));

        var worker = ((ProjectResource)App.GetResource("cleanupworker")).Replicas.Single().LastEnvironment;
        Assert.Equal(endpoints[0], worker["services__examapi__http__0"]);
        Assert.Equal(endpoints[1], worker["services__examapi__http__1"]);
        Assert.False(worker.ContainsKey("services__examapi__http__2"));
        Assert.Equal(endpoints[0], worker["EXAMAPI_HTTP"]);
    }

    [Fact]
    public async Task SessionStartedOnOneReplicaIsAnsweredOnTheOtherWithTheSameToken()
    {
        await App.WaitForResourceHealthyAsync("examapi", GraphFixture.StartTimeout);
        using var first = App.CreateHttpClient("examapi", replica: 0);
        using var second = App.CreateHttpClient("examapi", replica: 1);

        var session = await ExamSession.StartAsync(first, "replica-hopper");
        var answer = await session.AnswerAsync(second);
        Assert.Equal(1, answer.GetProperty("answered").GetInt32());

        var next = await session.NextAsync(first);
        Assert.Equal(answer.GetProperty("nextItem").GetProperty("id").GetInt32(), next.GetProperty("id").GetInt32());
        Assert.Equal(2, (await session.AnswerAsync(first)).GetProperty("answered").GetInt32());
    }

    [Fact]
    public async Task KillingOneReplicaLeavesTheOtherServingAndTheProjectReportsIt()
    {
        await App.WaitForResourceHealthyAsync("examapi", GraphFixture.StartTimeout);
        using var first = App.CreateHttpClient("examapi", replica: 0);
        using var second = App.CreateHttpClient("examapi", replica: 1);
        var session = await ExamSession.StartAsync(second, "survivor");
        var before = App.GetResource("examapi").Snapshot();
        var worker = App.GetResource("cleanupworker").Snapshot();

        await App.KillResourceAsync("examapi", replica: 1);

        var after = await App.WaitForResourceAsync("examapi", "reporting replica 1 exited",
            s => s.Replicas[1].State == ResourceState.Exited && s.Health == ResourceHealth.Unhealthy, timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(ResourceState.Running, after.State);
        Assert.Contains("examapi-1: Exited ('examapi-1' exited unexpectedly with code 137)", after.HealthDescription);
        Assert.Equal(137, after.Replicas[1].ExitCode);
        Assert.False(Directory.Exists($"/proc/{before.Replicas[1].ProcessId}"));
        Assert.Equal(ResourceState.Running, after.Replicas[0].State);
        Assert.Equal(before.Replicas[0].ProcessId, after.Replicas[0].ProcessId);
        using (var health = await first.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        var workerAfter = App.GetResource("cleanupworker").Snapshot();
        Assert.Equal(ResourceState.Running, workerAfter.State);
        Assert.Equal(worker.ProcessId, workerAfter.ProcessId);

        var wait = await Assert.ThrowsAsync<DistributedApplicationException>(() => App.WaitForResourceHealthyAsync("examapi", TimeSpan.FromSeconds(5)));
        Assert.Contains("it is Running, but its replica 'examapi-1' is Exited", wait.Message);

        // The exam started on the killed replica goes on on the surviving one.
        Assert.Equal(1, (await session.AnswerAsync(first)).GetProperty("answered").GetInt32());

        await App.StartResourceAsync("examapi", replica: 1);
        await App.WaitForResourceHealthyAsync("examapi", GraphFixture.StartTimeout);
        Assert.Equal(before.Replicas[1].Endpoint, App.GetResource("examapi").Snapshot().Replicas[1].Endpoint);
        Assert.Equal(2, (await session.AnswerAsync(second)).GetProperty("answered").GetInt32());
    }

    private static string Pattern(Uri endpoint) => Regex.Escape(endpoint.ToString().TrimEnd('/'));

    /// <summary>An exam on the Development demo bank (which ExamApi seeds into the empty test database), answered with option 0 each time.</summary>
    private sealed class ExamSession(string sessionId, string token, int currentItem)
    {
        private int currentItem = currentItem;

        public static async Task<ExamSession> StartAsync(HttpClient client, string studentId)
        {
            using var response = await client.PostAsJsonAsync("/api/adaptive/start", new { studentId, subject = "math", maxItems = 5 });
            var body = await ReadAsync(response, HttpStatusCode.Created);
            return new ExamSession(body.GetProperty("sessionId").GetString()!, body.GetProperty("token").GetString()!,
                body.GetProperty("item").GetProperty("id").GetInt32());
        }

        public async Task<JsonElement> AnswerAsync(HttpClient client)
        {
            using var request = Authorized(HttpMethod.Post, "/api/adaptive/answer");
            request.Content = JsonContent.Create(new { sessionId, itemId = currentItem, response = 0 });
            using var response = await client.SendAsync(request);
            var body = await ReadAsync(response, HttpStatusCode.OK);
            currentItem = body.GetProperty("nextItem").GetProperty("id").GetInt32();
            return body;
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
