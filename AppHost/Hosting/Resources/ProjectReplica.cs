using AppHost.Hosting.Processes;

namespace AppHost.Hosting.Resources;

/// <summary>
/// One running copy of a <see cref="ProjectResource"/> (an Aspire resource instance): its own process, HTTP port, log,
/// health check and lifecycle, the project's environment otherwise; healthy when <c>GET /health</c> answers 200.
/// </summary>
public sealed class ProjectReplica : RunnableResource
{
    private static readonly HttpClient HealthClient = new() { Timeout = Timeout.InfiniteTimeSpan };
    private int port;

    internal ProjectReplica(ProjectResource project, int index, string name) : base(name)
    {
        Project = project;
        Index = index;
        // The project's log holds every replica's lines, so failures reported for the project show them; prefixed
        // with the replica's name only when there are several.
        Log.ForwardTo(project.Log, name == project.Name ? string.Empty : $"{name} | ");
    }

    /// <inheritdoc/>
    public override string Kind => "Replica";

    /// <summary>The project this is a replica of.</summary>
    public ProjectResource Project { get; }

    /// <summary>Position among the project's replicas (0-based).</summary>
    public int Index { get; }

    /// <summary>The replica's base URL once prepared (<c>http://localhost:PORT</c>).</summary>
    public Uri? HttpEndpoint => port == 0 ? null : new Uri($"http://localhost:{port}");

    /// <inheritdoc/>
    public override string? Endpoint => HttpEndpoint?.ToString().TrimEnd('/');

    /// <summary>The environment given to the process at its last start (what the contract says it gets).</summary>
    public IReadOnlyDictionary<string, string> LastEnvironment { get; private set; } = new Dictionary<string, string>();

    /// <summary>Every replica waits for what its project waits for.</summary>
    internal override List<Resource> WaitsFor => Project.WaitsFor;

    internal override Task PrepareAsync(HostingContext context, CancellationToken cancellationToken)
    {
        ResolveEndpoint(context);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The replica's URL, choosing its port on first use: when the replica prepares, or earlier when a project that
    /// references it starts first (Aspire fixes endpoints up front too). Replica 0 takes the port asked for with
    /// WithHttpEndpoint under <c>dotnet run</c>; the other replicas, and every replica under the test host, take a free
    /// port. The port is kept across restarts.
    /// </summary>
    internal string ResolveEndpoint(HostingContext context)
    {
        if (port == 0)
        {
            var requested = context.Options.IsTesting || Index > 0 ? null : Project.RequestedHttpPort;
            Interlocked.CompareExchange(ref port, requested ?? LocalPorts.NextFree(), 0);
        }

        return Endpoint!;
    }

    internal override async Task<ManagedProcess?> LaunchAsync(HostingContext context, CancellationToken cancellationToken)
    {
        var assembly = await Project.LocateBuildOutputAsync(context, cancellationToken);
        await LocalPorts.WaitUntilFreeAsync(port, TimeSpan.FromSeconds(10), cancellationToken);
        var command = new ProcessCommand("dotnet", [assembly]) { WorkingDirectory = Path.GetDirectoryName(Project.ProjectPath) };
        foreach (var (key, value) in ProjectEnvironment.Build(this, context))
        {
            command.Environment[key] = value;
        }

        LastEnvironment = new Dictionary<string, string>(command.Environment);
        return ManagedProcess.Start(command, Log);
    }

    internal override async Task<HealthCheckOutcome> CheckHealthAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await HealthClient.GetAsync(new Uri(HttpEndpoint!, "/health"), cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return HealthCheckOutcome.Healthy();
            }

            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return HealthCheckOutcome.Unhealthy($"/health answered {(int)response.StatusCode}: {body[..Math.Min(body.Length, 300)]}");
        }
        catch (HttpRequestException ex)
        {
            return HealthCheckOutcome.Unhealthy(ex.Message);
        }
    }

    private protected override void OnChanged() => Project.Summarize();
}
