using AppHost.Hosting;
using AppHost.Hosting.Processes;

namespace AppHost.Tests;

/// <summary>A dependency that cannot start fails its dependents with its name and log, and waits never hang silently.</summary>
public sealed class FailureTests
{
    [Fact]
    public async Task FailedDependencyFailsDependentsNamingItAndWaitsTimeOutWithTheStuckResource()
    {
        // A comma is invalid in a Redis password parameter: the cache resource fails while preparing.
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Program>(
            configuration: new Dictionary<string, string?> { ["Parameters:cache-password"] = "not,valid" });
        await using var app = builder.Build();
        await app.StartAsync();

        var timeout = await Assert.ThrowsAsync<TimeoutException>(() =>
            app.WaitForResourceHealthyAsync("examdb", TimeSpan.FromMilliseconds(100)));
        Assert.Contains("Resource 'examdb' did not become healthy within", timeout.Message);
        Assert.Contains("Last log lines of 'examdb'", timeout.Message);

        var cacheFailure = await Assert.ThrowsAsync<DistributedApplicationException>(() =>
            app.WaitForResourceHealthyAsync("cache", GraphFixture.StartTimeout));
        Assert.Contains("cache-password", cacheFailure.Message);

        var apiFailure = await Assert.ThrowsAsync<DistributedApplicationException>(() =>
            app.WaitForResourceHealthyAsync("examapi", GraphFixture.StartTimeout));
        Assert.Contains("dependency 'cache' is FailedToStart", apiFailure.Message);
        Assert.Equal(ResourceState.FailedToStart, app.GetResource("examapi").Snapshot().State);

        var workerFailure = await Assert.ThrowsAsync<DistributedApplicationException>(() =>
            app.WaitForResourceHealthyAsync("cleanupworker", GraphFixture.StartTimeout));
        Assert.Contains("dependency 'examapi' is FailedToStart", workerFailure.Message);

        await app.WaitForResourceHealthyAsync("examdb", GraphFixture.StartTimeout);
    }

    [Fact]
    public async Task StopAndKillReturnPromptlyForWaitingResourcesAndResourcesWithoutAProcess()
    {
        // External servers where nothing listens: cache and postgres run without a process and never turn healthy,
        // so examdb and both projects stay Waiting, and the graph starts no process at all.
        var nobodyListens = LocalPorts.NextFree();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Program>(configuration: new Dictionary<string, string?>
        {
            ["ConnectionStrings:cache"] = $"127.0.0.1:{nobodyListens},password=unused",
            ["ConnectionStrings:postgres"] = $"Host=127.0.0.1;Port={nobodyListens};Username=postgres;Password=unused",
        });
        await using var app = builder.Build();
        await app.StartAsync();
        await app.WaitForResourceAsync("cache", "running", snapshot => snapshot.State == ResourceState.Running);
        await app.WaitForResourceAsync("examapi", "waiting", snapshot => snapshot.State == ResourceState.Waiting);
        var prompt = TimeSpan.FromSeconds(5);

        var killServer = await Assert.ThrowsAsync<InvalidOperationException>(() => app.KillResourceAsync("cache").WaitAsync(prompt));
        Assert.Contains("'cache' (Redis (external)) has no process to kill", killServer.Message);
        var killDatabase = await Assert.ThrowsAsync<InvalidOperationException>(() => app.KillResourceAsync("examdb").WaitAsync(prompt));
        Assert.Contains("'examdb' (Database) has no process to kill", killDatabase.Message);

        // The worker first: once examapi has ended, the worker waiting for it would fail on its own.
        await app.StopResourceAsync("cleanupworker").WaitAsync(prompt);
        Assert.Equal(ResourceState.Exited, app.GetResource("cleanupworker").Snapshot().State);
        await app.KillResourceAsync("examapi").WaitAsync(prompt);
        Assert.Equal(ResourceState.Exited, app.GetResource("examapi").Snapshot().State);
        await app.StopResourceAsync("examdb").WaitAsync(prompt);
        Assert.Equal(ResourceState.Exited, app.GetResource("examdb").Snapshot().State);
        await app.StopResourceAsync("cache").WaitAsync(prompt);
        Assert.Equal(ResourceState.Exited, app.GetResource("cache").Snapshot().State);
        Assert.Empty(app.StartedProcesses);
    }
}
