using AppHost.Hosting;

namespace AppHost.Tests;

/// <summary>
/// One whole graph (Redis, PostgreSQL, ExamApi, CleanupWorker) per test collection, started from the AppHost's own
/// Program with random ports and a fresh temporary data folder, and disposed even when tests fail.
/// </summary>
public sealed class GraphFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private DistributedApplication? app;

    public DistributedApplication App => app ?? throw new InvalidOperationException("The graph has not started.");

    public async Task InitializeAsync()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Program>();
        builder.CreateResourceBuilder<AppHost.Hosting.Resources.ProjectResource>("examapi")
            .WithEnvironment("ExamApi__ExposeEnvironment", "true");
        app = builder.Build();
        await app.StartAsync();
        await WaitForAllHealthyAsync(app);
    }

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }
    }

    public static async Task WaitForAllHealthyAsync(DistributedApplication app)
    {
        foreach (var resource in app.Resources)
        {
            await app.WaitForResourceHealthyAsync(resource.Name, StartTimeout);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class GraphCollection : ICollectionFixture<GraphFixture>
{
    public const string Name = "whole graph";
}
