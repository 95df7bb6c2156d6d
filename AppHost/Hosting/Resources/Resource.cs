namespace AppHost.Hosting.Resources;

/// <summary>
/// A node of the application graph: a server, a database on a server, or a project. Kinds differ only in how they
/// are prepared, launched and health-checked (<see cref="RunnableResource"/>); the lifecycle around that lives in
/// <see cref="ResourceOrchestrator"/>. A project runs as replicas and its state summarises theirs.
/// </summary>
public abstract class Resource(string name)
{
    private readonly object gate = new();
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The resource's name in the graph (also its connection string name).</summary>
    public string Name { get; } = name;

    /// <summary>A short description of what it is, for the console table.</summary>
    public abstract string Kind { get; }

    /// <summary>Current lifecycle state.</summary>
    public ResourceState State { get; private protected set; }

    /// <summary>Result of the latest health check while running.</summary>
    public ResourceHealth Health { get; private protected set; }

    /// <summary>Why the latest health check failed (or what it measured).</summary>
    public string? HealthDescription { get; private protected set; }

    /// <summary>Exit code of the last process run, once exited.</summary>
    public int? ExitCode { get; private protected set; }

    /// <summary>Why the resource failed to start, or exited when nobody asked it to.</summary>
    public string? FailureReason { get; private protected set; }

    /// <summary>Recent output of the resource.</summary>
    public ResourceLog Log { get; } = new();

    /// <summary>The address clients use (host:port or URL), once known.</summary>
    public virtual string? Endpoint => null;

    /// <summary>Resources that must be running and healthy before this one starts.</summary>
    internal virtual List<Resource> WaitsFor { get; } = [];

    /// <summary>What the orchestrator runs for this resource: the resource itself, or a project's replicas.</summary>
    internal abstract IReadOnlyList<RunnableResource> Instances { get; }

    /// <summary>The process shown in snapshots, if there is exactly one.</summary>
    internal abstract int? ProcessId { get; }

    internal Task Changed
    {
        get
        {
            lock (gate)
            {
                return changed.Task;
            }
        }
    }

    /// <summary>A consistent copy of the resource's state.</summary>
    public ResourceSnapshot Snapshot()
    {
        lock (gate)
        {
            return new ResourceSnapshot(Name, Kind, State, Health, HealthDescription, ExitCode, ProcessId, FailureReason, Endpoint)
            {
                Replicas = ReplicaSnapshots(),
            };
        }
    }

    /// <summary>Snapshots of the replicas, for a resource that has them.</summary>
    private protected virtual IReadOnlyList<ResourceSnapshot> ReplicaSnapshots() => [];

    /// <summary>Called after every change, outside the lock (a replica tells its project to summarise again).</summary>
    private protected virtual void OnChanged()
    {
    }

    /// <summary>Applies <paramref name="mutate"/> under the lock; if it reports a change, wakes everyone waiting on <see cref="Changed"/>.</summary>
    private protected void Mutate(Func<bool> mutate)
    {
        TaskCompletionSource previous;
        lock (gate)
        {
            if (!mutate())
            {
                return;
            }

            previous = changed;
            changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.SetResult();
        OnChanged();
    }
}

/// <summary>What one health check found.</summary>
internal readonly record struct HealthCheckOutcome(bool IsHealthy, string? Description)
{
    public static HealthCheckOutcome Healthy(string? description = null) => new(true, description);

    public static HealthCheckOutcome Unhealthy(string description) => new(false, description);
}

/// <summary>A resource that other resources can reference through a connection string.</summary>
public interface IResourceWithConnectionString
{
    /// <summary>The connection string name (the resource name).</summary>
    string Name { get; }

    /// <summary>The connection string in the client library's syntax; known once the resource has been prepared.</summary>
    string? ConnectionString { get; }

    /// <summary>Connection properties (HOST, PORT, PASSWORD, URI, ...) passed as <c>{NAME}_{PROPERTY}</c> variables.</summary>
    IReadOnlyList<KeyValuePair<string, string>> ConnectionProperties { get; }
}
