namespace AppHost.Hosting;

/// <summary>Lifecycle state of a resource (Aspire's states).</summary>
public enum ResourceState
{
    /// <summary>Declared, not started yet.</summary>
    NotStarted,

    /// <summary>Waiting for the resources named by WaitFor to be running and healthy.</summary>
    Waiting,

    /// <summary>Being prepared or launched.</summary>
    Starting,

    /// <summary>Running; see <see cref="ResourceHealth"/> for whether its health check passes.</summary>
    Running,

    /// <summary>Being stopped.</summary>
    Stopping,

    /// <summary>Its process ended (stopped, crashed or killed).</summary>
    Exited,

    /// <summary>Could not start, or a dependency it waits for failed.</summary>
    FailedToStart,
}

/// <summary>Result of a resource's host-side health check; Unknown until the first check has run.</summary>
public enum ResourceHealth
{
    /// <summary>No check has reported since the resource (re)started.</summary>
    Unknown,

    /// <summary>The last check passed.</summary>
    Healthy,

    /// <summary>The last check failed.</summary>
    Unhealthy,
}

/// <summary>A resource's state at one moment, for callers and the console table.</summary>
public sealed record ResourceSnapshot(
    string Name,
    string Kind,
    ResourceState State,
    ResourceHealth Health,
    string? HealthDescription,
    int? ExitCode,
    int? ProcessId,
    string? FailureReason,
    string? Endpoint)
{
    /// <summary>A project's replicas, in replica order (one for a project without WithReplicas); empty for other resources.</summary>
    public IReadOnlyList<ResourceSnapshot> Replicas { get; init; } = [];

    /// <summary>Running with its health check passing (a project: every replica).</summary>
    public bool IsHealthy => State == ResourceState.Running && Health == ResourceHealth.Healthy;

    /// <summary>
    /// Why the resource cannot become healthy until it is started again: it, or one of its replicas, failed to start or
    /// exited (e.g. <c>Exited: 'x' exited unexpectedly with code 137</c>); null while it can.
    /// </summary>
    public string? DownReason =>
        State is ResourceState.FailedToStart or ResourceState.Exited
            ? $"{State}{(FailureReason is null ? string.Empty : $": {FailureReason}")}"
            : Replicas.FirstOrDefault(replica => replica.DownReason is not null) is { } down
                ? $"{State}, but its replica '{down.Name}' is {down.DownReason}"
                : null;
}
