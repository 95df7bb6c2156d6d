using AppHost.Hosting.Processes;

namespace AppHost.Hosting.Resources;

/// <summary>
/// A .NET service of this repository, started from its existing build output (<c>dotnet bin/{Configuration}/net10.0/X.dll</c>;
/// built once if that is missing) with Aspire's environment contract. It runs as one or more
/// <see cref="ProjectReplica"/>s (Aspire's <c>WithReplicas</c>); its state summarises theirs: Running while any replica
/// runs, Healthy only when every replica is.
/// </summary>
public sealed class ProjectResource : Resource
{
    // A replica's state in the summary: the first of these that any replica is in, so one running replica keeps the
    // project Running and an exited replica shows only once none is left starting or running.
    private static readonly ResourceState[] SummaryPrecedence =
    [
        ResourceState.Running, ResourceState.Starting, ResourceState.Waiting, ResourceState.Stopping,
        ResourceState.FailedToStart, ResourceState.Exited, ResourceState.NotStarted,
    ];

    private readonly SemaphoreSlim buildGate = new(1, 1);
    private ProjectReplica[] replicas;

    internal ProjectResource(string name, string projectPath) : base(name)
    {
        ProjectPath = projectPath;
        replicas = CreateReplicas(1);
    }

    /// <inheritdoc/>
    public override string Kind => "Project";

    /// <summary>Absolute path of the .csproj.</summary>
    public string ProjectPath { get; }

    /// <summary>
    /// The running copies of the project, in replica order: one named like the project unless <c>WithReplicas(n)</c>
    /// asked for more, then <c>{name}-0</c> … <c>{name}-{n-1}</c>.
    /// </summary>
    public IReadOnlyList<ProjectReplica> Replicas => replicas;

    /// <summary>The HTTP port requested with WithHttpEndpoint (replica 0's; ignored under the test host); null for a free one.</summary>
    internal int? RequestedHttpPort { get; set; }

    /// <summary>Connection-string resources and projects this one references.</summary>
    internal List<object> References { get; } = [];

    /// <summary>Extra variables from WithEnvironment.</summary>
    internal Dictionary<string, string> ExtraEnvironment { get; } = new(StringComparer.Ordinal);

    /// <summary>Variables whose values are parameters, resolved when the project starts.</summary>
    internal Dictionary<string, ParameterResource> ParameterEnvironment { get; } = new(StringComparer.Ordinal);

    /// <summary>Replica 0's base URL once prepared (<c>http://localhost:PORT</c>).</summary>
    public Uri? HttpEndpoint => replicas[0].HttpEndpoint;

    /// <summary>The base URL of every replica prepared so far, in replica order.</summary>
    public IReadOnlyList<Uri> HttpEndpoints => replicas.Select(replica => replica.HttpEndpoint).OfType<Uri>().ToArray();

    /// <inheritdoc/>
    public override string? Endpoint =>
        HttpEndpoints is { Count: > 0 } endpoints ? string.Join(", ", endpoints.Select(endpoint => endpoint.ToString().TrimEnd('/'))) : null;

    internal override IReadOnlyList<RunnableResource> Instances => replicas;

    internal override int? ProcessId => replicas.Length == 1 ? replicas[0].ProcessId : null;

    internal void SetReplicaCount(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (State != ResourceState.NotStarted)
        {
            throw new InvalidOperationException($"'{Name}' has started; set its replicas before the application starts.");
        }

        replicas = CreateReplicas(count);
    }

    /// <summary>Recomputes the project's state from its replicas' (called whenever one of them changes).</summary>
    internal void Summarize() =>
        Mutate(() =>
        {
            // Under the project's lock, so the last summary applied is computed from the latest replica states.
            var parts = replicas.Select(replica => replica.Snapshot()).ToArray();
            var state = SummaryPrecedence.First(candidate => parts.Any(part => part.State == candidate));
            var (health, description) = parts.Length == 1 ? (parts[0].Health, parts[0].HealthDescription) : SummarizeHealth(state, parts);
            var exitCode = parts.Select(part => part.ExitCode).FirstOrDefault(code => code is not null);
            var reasons = parts.Select(part => part.FailureReason).OfType<string>().ToArray();
            var failureReason = reasons.Length == 0 ? null : string.Join("; ", reasons);
            if (State == state && Health == health && HealthDescription == description && ExitCode == exitCode && FailureReason == failureReason)
            {
                return false;
            }

            (State, Health, HealthDescription, ExitCode, FailureReason) = (state, health, description, exitCode, failureReason);
            return true;
        });

    /// <summary>
    /// The dll of the AppHost's own build configuration. Building it here is the fallback for a project that was never
    /// built; normally the AppHost's build (which references the projects) has produced it already. Replicas start
    /// together, so the check and the build happen under a lock: one build, not one per replica.
    /// </summary>
    internal async Task<string> LocateBuildOutputAsync(HostingContext context, CancellationToken cancellationToken)
    {
        var projectDirectory = Path.GetDirectoryName(ProjectPath)!;
        var assemblyName = Path.GetFileNameWithoutExtension(ProjectPath);
        var configuration = context.Options.BuildConfiguration;
        var assembly = Path.Combine(projectDirectory, "bin", configuration, "net10.0", assemblyName + ".dll");
        await buildGate.WaitAsync(cancellationToken);
        try
        {
            if (!File.Exists(assembly))
            {
                context.Output.WriteHostLine($"{Name}: {assembly} not found; building {ProjectPath} ({configuration}) once");
                await new ProcessCommand("dotnet", ["build", ProjectPath, "-c", configuration, "--nologo", "-v", "q"])
                    .RunToCompletionAsync(Log, cancellationToken);
            }
        }
        finally
        {
            buildGate.Release();
        }

        return assembly;
    }

    private protected override IReadOnlyList<ResourceSnapshot> ReplicaSnapshots() => replicas.Select(replica => replica.Snapshot()).ToArray();

    /// <summary>Healthy when every replica is; Unknown while the others are still starting; otherwise Unhealthy, naming the replicas that are not.</summary>
    private static (ResourceHealth Health, string? Description) SummarizeHealth(ResourceState state, ResourceSnapshot[] parts)
    {
        var notHealthy = parts.Where(part => !part.IsHealthy).ToArray();
        if (state != ResourceState.Running || notHealthy.Length == 0)
        {
            return (state == ResourceState.Running ? ResourceHealth.Healthy : ResourceHealth.Unknown, null);
        }

        var stillStarting = notHealthy.All(part => part.State is ResourceState.Waiting or ResourceState.Starting
            || part is { State: ResourceState.Running, Health: ResourceHealth.Unknown });
        var description = $"{parts.Length - notHealthy.Length} of {parts.Length} replicas healthy; " + string.Join("; ", notHealthy.Select(part =>
            $"{part.Name}: {(part.State == ResourceState.Running ? part.Health.ToString() : part.State.ToString())}" +
            ((part.HealthDescription ?? part.FailureReason) is { } detail ? $" ({detail})" : string.Empty)));
        return (stillStarting ? ResourceHealth.Unknown : ResourceHealth.Unhealthy, description);
    }

    private ProjectReplica[] CreateReplicas(int count) =>
        Enumerable.Range(0, count).Select(index => new ProjectReplica(this, index, count == 1 ? Name : $"{Name}-{index}")).ToArray();
}
