using AppHost.Hosting;
using AppHost.Hosting.Processes;
using AppHost.Hosting.Resources;

namespace AppHost.Tests;

/// <summary>The parts of the environment contract the whole-graph tests do not exercise: telemetry, project references, parameters.</summary>
public sealed class ProjectEnvironmentTests
{
    [Fact]
    public async Task TelemetryEndpointAndProjectReferencesArePassedAsAspireDoes()
    {
        var (builder, context) = Declare(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://localhost:4318",
            ["Parameters:admin-key"] = "configured-key",
        });
        var adminKey = builder.AddParameter("admin-key");
        var generated = builder.AddParameter("sweep-key");
        var api = builder.AddProject("examapi", "../ExamApi/ExamApi.csproj").WithHttpEndpoint(port: 5300);
        var worker = builder.AddProject("cleanupworker", "../CleanupWorker/CleanupWorker.csproj")
            .WithReference(api)
            .WithEnvironment("Admin__Key", adminKey)
            .WithEnvironment("Sweep__Key", generated);
        // The referenced project is not prepared: its endpoint is fixed when first referenced, as Aspire fixes it up front.
        await worker.Resource.Replicas[0].PrepareAsync(context, CancellationToken.None);

        var environment = ProjectEnvironment.Build(worker.Resource.Replicas[0], context);

        Assert.Equal("http://localhost:5300", environment["services__examapi__http__0"]);
        Assert.Equal("http://localhost:5300", environment["EXAMAPI_HTTP"]);
        Assert.Equal("http://localhost:4318", environment["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("http/protobuf", environment["OTEL_EXPORTER_OTLP_PROTOCOL"]);
        Assert.Equal("always_on", environment["OTEL_TRACES_SAMPLER"]);
        Assert.Equal("1000", environment["OTEL_BSP_SCHEDULE_DELAY"]);
        Assert.Equal("cleanupworker", environment["OTEL_SERVICE_NAME"]);
        Assert.StartsWith("http://localhost:", environment["ASPNETCORE_URLS"]);
        Assert.NotEqual("http://localhost:5300", environment["ASPNETCORE_URLS"]);
        Assert.Equal("configured-key", environment["Admin__Key"]);
        Assert.Equal(22, environment["Sweep__Key"].Length);
        Assert.Equal(environment["Sweep__Key"], (await File.ReadAllTextAsync(generated.ValueFile!)).Trim());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(generated.ValueFile!));
        Assert.False(File.Exists(adminKey.ValueFile));
        Directory.Delete(builder.Options.DataDirectory, recursive: true);
    }

    [Fact]
    public async Task ReplicasShareTheEnvironmentButTheirUrlAndOnlyReplicaZeroKeepsTheConfiguredPort()
    {
        var (builder, context) = Declare(new Dictionary<string, string?> { ["Parameters:session-key"] = "one-key-for-every-replica" });
        var api = builder.AddProject("examapi", "../ExamApi/ExamApi.csproj")
            .WithHttpEndpoint(port: 5300)
            .WithReplicas(3)
            .WithEnvironment("Exam__SessionKey", builder.AddParameter("session-key"));
        var worker = builder.AddProject("cleanupworker", "../CleanupWorker/CleanupWorker.csproj").WithReference(api);
        Assert.Equal(["examapi-0", "examapi-1", "examapi-2"], api.Resource.Replicas.Select(replica => replica.Name));
        Assert.Throws<ArgumentOutOfRangeException>(() => api.WithReplicas(0));

        var environments = new List<Dictionary<string, string>>();
        foreach (var replica in api.Resource.Replicas)
        {
            await replica.PrepareAsync(context, CancellationToken.None);
            environments.Add(ProjectEnvironment.Build(replica, context));
        }

        var urls = environments.Select(environment => environment["ASPNETCORE_URLS"]).ToArray();
        Assert.Equal("http://localhost:5300", urls[0]);
        Assert.Equal(3, urls.Distinct().Count());
        Assert.Equal("one-key-for-every-replica", environments[2]["Exam__SessionKey"]);
        string[] perReplica = ["ASPNETCORE_URLS", "OTEL_RESOURCE_ATTRIBUTES"];
        var shared = environments.Select(environment =>
            string.Join("\n", environment.Where(pair => !perReplica.Contains(pair.Key)).OrderBy(pair => pair.Key, StringComparer.Ordinal))).ToList();
        Assert.All(shared, environment => Assert.Equal(shared[0], environment));

        await worker.Resource.Replicas[0].PrepareAsync(context, CancellationToken.None);
        var workerEnvironment = ProjectEnvironment.Build(worker.Resource.Replicas[0], context);
        Assert.Equal(urls, Enumerable.Range(0, 3).Select(index => workerEnvironment[$"services__examapi__http__{index}"]));
        Assert.False(workerEnvironment.ContainsKey("services__examapi__http__3"));
        Assert.Equal(urls[0], workerEnvironment["EXAMAPI_HTTP"]);
    }

    /// <summary>A builder with <c>dotnet run</c>'s options (fixed ports honoured) and the context its resources start with.</summary>
    private static (DistributedApplicationBuilder Builder, HostingContext Context) Declare(Dictionary<string, string?> configuration)
    {
        var options = DistributedApplicationBuilder.DefaultOptions();
        options.DataDirectory = Path.Combine(Path.GetTempPath(), "unused-" + Guid.NewGuid().ToString("N"));
        var builder = new DistributedApplicationBuilder([], options, configuration);
        var output = new HostOutput(writeToConsole: false);
        return (builder, new HostingContext(options, builder.Configuration, new ProcessLedger(Path.Combine(options.DataDirectory, "pids"), output), output));
    }
}
