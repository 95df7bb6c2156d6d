using AppHost.Hosting.Processes;

namespace AppHost.Hosting.Resources;

/// <summary>
/// A resource the orchestrator runs itself: prepared, launched (a process, or one-off work) and health-checked, with
/// its own state. Servers and databases are runnable; a project is not, its replicas are.
/// </summary>
public abstract class RunnableResource(string name) : Resource(name)
{
    internal override IReadOnlyList<RunnableResource> Instances => [this];

    internal override int? ProcessId => Process?.Id;

    internal ManagedProcess? Process { get; set; }

    /// <summary>The signal that asks the process to shut down gracefully.</summary>
    internal virtual int GracefulStopSignal => UnixSignals.SIGTERM;

    /// <summary>False for a resource that never runs a process of its own (a database, an external server): nothing to kill.</summary>
    internal virtual bool LaunchesProcess => true;

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
}
