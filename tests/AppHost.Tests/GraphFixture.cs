using AppHost.Hosting;
using AppHost.Hosting.Resources;

namespace AppHost.Tests;

/// <summary>
/// One whole graph (Redis, PostgreSQL, ExamApi, CleanupWorker) per test collection, started from the AppHost's own
/// Program with random ports and a fresh temporary data folder, and disposed even when tests fail.
/// </summary>
public class GraphFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private DistributedApplicationBuilder? builder;
    private DistributedApplication? app;

    public DistributedApplication App => app ?? throw new InvalidOperationException("The graph has not started.");

    /// <summary>The builder the graph was declared on (its parameters and configuration).</summary>
    public DistributedApplicationBuilder Builder => builder ?? throw new InvalidOperationException("The graph has not been declared.");

    /// <summary>Configuration given to the AppHost's Program (none: its defaults).</summary>
    protected virtual IReadOnlyDictionary<string, string?>? Configuration => null;

    public async Task InitializeAsync()
    {
        builder = await DistributedApplicationTestingBuilder.CreateAsync<Program>(configuration: Configuration);
        Configure(builder);
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

    /// <summary>Adjusts the declared graph before it is built: ExamApi shows the environment it received.</summary>
    protected virtual void Configure(DistributedApplicationBuilder graph) =>
        graph.CreateResourceBuilder<ProjectResource>("examapi").WithEnvironment("ExamApi__ExposeEnvironment", "true");
}

[CollectionDefinition(Name)]
public sealed class GraphCollection : ICollectionFixture<GraphFixture>
{
    public const string Name = "whole graph";
}
