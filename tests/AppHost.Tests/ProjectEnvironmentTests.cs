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
        var options = DistributedApplicationBuilder.DefaultOptions();
        options.DataDirectory = Path.Combine(Path.GetTempPath(), "unused-" + Guid.NewGuid().ToString("N"));
        var builder = new DistributedApplicationBuilder([], options,
            new Dictionary<string, string?>
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
        var output = new HostOutput(writeToConsole: false);
        var context = new HostingContext(options, builder.Configuration, new ProcessLedger(Path.Combine(options.DataDirectory, "pids"), output), output);
        await api.Resource.PrepareAsync(context, CancellationToken.None);
        await worker.Resource.PrepareAsync(context, CancellationToken.None);

        var environment = ProjectEnvironment.Build(worker.Resource, context);

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
        Directory.Delete(options.DataDirectory, recursive: true);
    }
}
