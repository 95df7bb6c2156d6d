using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using GraphHost;

namespace AppHost.Tests;

/// <summary>What the graph does when it cannot run as configured: it says what is wrong, and nothing waits forever.</summary>
public sealed class FailureTests
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task MissingPostgresServerFailsItSayingWhatToInstallAndEverythingWaitingForItFailsInsteadOfHanging()
    {
        var empty = Directory.CreateTempSubdirectory("no-postgres-").FullName;
        try
        {
            await using var graph = await ExamGraph.StartAsync(new ExamGraphOptions
            {
                Configuration = new Dictionary<string, string> { ["AppHost:PostgresBinDirectory"] = empty },
                WaitUntilHealthy = false,
            });

            await graph.WaitForStateAsync("postgres", KnownResourceStates.FailedToStart).WaitAsync(Prompt);
            Assert.Contains(await graph.LogTailAsync("postgres"), line => line.Contains($"is not installed in {empty}")
                && line.Contains("install it (Debian/Ubuntu: apt-get install -y postgresql-15)"));
            await graph.WaitForStateAsync("examapi", KnownResourceStates.FailedToStart).WaitAsync(Prompt);
            await graph.WaitForStateAsync("cleanupworker", KnownResourceStates.FailedToStart).WaitAsync(Prompt);
            Assert.Contains(graph.Snapshot("examdb").State?.Text, KnownResourceStates.TerminalStates);
            Assert.Equal(KnownResourceStates.Running, graph.Snapshot("cache").State?.Text);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    [Fact]
    public async Task AGraphThatNeverGetsHealthyFailsItsStartWithEachInstancesOwnHealthAndLastLines()
    {
        // ExamApi pointed at a port where no Redis listens: it runs, but its /health fails on Redis. The timeout leaves a
        // loaded machine time to start ExamApi (CI's first graph shares the cores with the other test projects' builds), so
        // that its own /health answers when the report asks, and the AppHost time to say once what it still waits for.
        var appHostLog = new AppHostLogLines();
        var failure = await Assert.ThrowsAsync<DistributedApplicationException>(() => ExamGraph.StartAsync(new ExamGraphOptions
        {
            StartTimeout = StartupSummary.ProgressInterval * 3,
            Configure = builder =>
            {
                builder.Services.AddLogging(logging => logging.AddProvider(appHostLog));
                builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "examapi"))
                    .WithEnvironment("ConnectionStrings__cache", "127.0.0.1:1,password=unused,abortConnect=false");
            },
        }));

        var report = failure.Message.Split(Environment.NewLine);
        Assert.Contains(report, line => line.StartsWith("- cache-", StringComparison.Ordinal) && line.EndsWith(": Running / Healthy", StringComparison.Ordinal));
        var examApi = Assert.Single(report, line => line.StartsWith("- examapi-", StringComparison.Ordinal));
        Assert.Contains("its own /health: 503", examApi);
        Assert.Contains("StackExchange.Redis", examApi);
        Assert.Contains(report, line => line.StartsWith("    examapi-", StringComparison.Ordinal) && line.Contains("UnableToConnect on 127.0.0.1:1", StringComparison.Ordinal));
        Assert.Contains(report, line => line.StartsWith("- cleanupworker-", StringComparison.Ordinal) && line.Contains("its own /health: 200", StringComparison.Ordinal));

        // What `dotnet run` shows on the console meanwhile (the last of its lines): ExamApi alone, with its failing health check.
        var progress = appHostLog.Lines.Where(line => line.Contains("still waiting for", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(progress);
        var waiting = progress[^1];
        Assert.StartsWith("Warning: ", waiting);
        Assert.Matches(@"still waiting for examapi-\w+ \(Running, examapi_http_/health_200_check: Unhealthy", waiting);
        Assert.DoesNotContain("cache-", waiting);
        Assert.DoesNotContain("cleanupworker-", waiting);
    }

    [Fact]
    public async Task AnUnknownServersSettingIsRefusedNamingTheChoices()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => ExamGraph.StartAsync(new ExamGraphOptions
        {
            Configuration = new Dictionary<string, string> { ["AppHost:Servers"] = "virtual-machines" },
        }));

        Assert.Contains("AppHost:Servers is 'virtual-machines'; expected auto, containers or processes.", Unwrap(failure).Message);
    }

    [Theory]
    [InlineData("no-such-runtime", false, "no container runtime is installed ('no-such-runtime' is not on PATH)")]
    [InlineData("false", false, "no container runtime answered ('false info'")]
    [InlineData("true", true, "true  answered")]
    public void AutoChoosesContainersOnlyWhereTheRuntimeAnswersAndSaysWhy(string runtime, bool containers, string reason)
    {
        var builder = DistributedApplication.CreateBuilder(["AppHost:Servers=auto", $"ASPIRE_CONTAINER_RUNTIME={runtime}"]);

        var hosting = AppHost.LocalServers.ServerHosting.Choose(builder);

        Assert.Equal(containers, hosting.UseContainers);
        Assert.Contains(reason, hosting.Reason);
    }

    [Fact]
    public void PublishingAlwaysDescribesContainers()
    {
        var builder = DistributedApplication.CreateBuilder(["--publisher", "manifest", "--output-path", Path.GetTempFileName(), "AppHost:Servers=processes"]);

        Assert.True(AppHost.LocalServers.ServerHosting.Choose(builder).UseContainers);
    }

    private static Exception Unwrap(Exception error) =>
        error is AggregateException { InnerException: { } inner } ? Unwrap(inner)
        : error is DistributedApplicationException { InnerException: DistributedApplicationException inner2 } ? inner2
        : error;
}
