using AppHost.Hosting;

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
}
