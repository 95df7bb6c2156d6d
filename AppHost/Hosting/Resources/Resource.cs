using AppHost.Hosting.Processes;

namespace AppHost.Hosting.Resources;

/// <summary>
/// A node of the application graph: a server, a database on a server, or a project. Kinds differ only in how they
/// are prepared, launched and health-checked; the lifecycle around that lives in <see cref="ResourceOrchestrator"/>.
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
    public ResourceState State { get; private set; }

    /// <summary>Result of the latest health check while running.</summary>
    public ResourceHealth Health { get; private set; }

    /// <summary>Why the latest health check failed (or what it measured).</summary>
    public string? HealthDescription { get; private set; }

    /// <summary>Exit code of the last process run, once exited.</summary>
    public int? ExitCode { get; private set; }

    /// <summary>Why the resource failed to start, or exited when nobody asked it to.</summary>
    public string? FailureReason { get; private set; }

    /// <summary>Recent output of the resource.</summary>
    public ResourceLog Log { get; } = new();

    /// <summary>The address clients use (host:port or URL), once known.</summary>
    public virtual string? Endpoint => null;

    /// <summary>Resources that must be running and healthy before this one starts.</summary>
    internal List<Resource> WaitsFor { get; } = [];

    internal ManagedProcess? Process { get; set; }

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
            return new ResourceSnapshot(Name, Kind, State, Health, HealthDescription, ExitCode, Process?.Id, FailureReason, Endpoint);
        }
    }

    internal void SetState(ResourceState state, string? failureReason = null, int? exitCode = null)
    {
        Mutate(() =>
        {
            State = state;
            if (state is ResourceState.Waiting or ResourceState.Starting)
            {
                FailureReason = null;
                ExitCode = null;
            }

            if (state != ResourceState.Running)
            {
                Health = ResourceHealth.Unknown;
                HealthDescription = null;
            }

            FailureReason = failureReason ?? FailureReason;
            ExitCode = exitCode ?? ExitCode;
            return true;
        });
    }

    internal void SetHealth(ResourceHealth health, string? description) =>
        Mutate(() =>
        {
            if (State != ResourceState.Running || (Health == health && HealthDescription == description))
            {
                return false;
            }

            Health = health;
            HealthDescription = description;
            return true;
        });

    /// <summary>Work done on every start before launching (writing config files, initdb, creating directories).</summary>
    internal virtual Task PrepareAsync(HostingContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Starts the resource's process, or does the one-off work of a resource without one (returns null).</summary>
    internal abstract Task<ManagedProcess?> LaunchAsync(HostingContext context, CancellationToken cancellationToken);

    /// <summary>The host-side health check; called repeatedly while running.</summary>
    internal abstract Task<HealthCheckOutcome> CheckHealthAsync(CancellationToken cancellationToken);

    /// <summary>The signal that asks the process to shut down gracefully.</summary>
    internal virtual int GracefulStopSignal => UnixSignals.SIGTERM;

    private void Mutate(Func<bool> mutate)
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
