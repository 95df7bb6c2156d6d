using AppHost.Hosting.Resources;

namespace AppHost.Hosting;

/// <summary>
/// Runs each resource through its lifecycle: Waiting (for WaitFor dependencies to be running and healthy) → Starting
/// → Running (health checked from the host) → Stopping → Exited, or FailedToStart with the reason and the failing
/// dependency's last log lines. A dependency that stays unhealthy is reported every few seconds, never waited on silently.
/// What runs is a resource's instances: the resource itself, or each replica of a project, independently.
/// </summary>
internal sealed class ResourceOrchestrator(HostingContext context, IReadOnlyList<Resource> resources)
{
    private static readonly TimeSpan StillWaitingReportInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StartupHealthCheckInterval = TimeSpan.FromMilliseconds(100);

    // How long a run may take to end once its process is gone or its work cancelled (health checks time out sooner).
    private static readonly TimeSpan RunEndTimeout = TimeSpan.FromSeconds(10);
    private readonly Dictionary<RunnableResource, ResourceRun> runs = [];
    private readonly object gate = new();

    public void StartAll()
    {
        foreach (var resource in resources)
        {
            Start(resource);
        }
    }

    /// <summary>Starts the instances of a resource (or one replica) that are not running (again, after a stop or a crash).</summary>
    public void Start(Resource resource)
    {
        foreach (var instance in resource.Instances)
        {
            StartInstance(instance);
        }
    }

    /// <summary>Graceful stop (the resource's signal), then SIGKILL after the stop timeout; replicas stop together.</summary>
    public Task StopAsync(Resource resource) => Task.WhenAll(resource.Instances.Select(StopInstanceAsync));

    /// <summary>
    /// Stops every resource, dependents first (reverse declaration order). A resource that does not stop in time is
    /// reported and the others are still stopped; returns false when any did not stop (its processes may survive).
    /// </summary>
    public async Task<bool> StopAllAsync()
    {
        var allStopped = true;
        foreach (var resource in resources.Reverse())
        {
            try
            {
                await StopAsync(resource);
            }
            catch (TimeoutException ex)
            {
                context.Output.WriteHostLine(ex.Message);
                allStopped = false;
            }
        }

        return allStopped;
    }

    /// <summary>
    /// SIGKILL, as a crash would; the instances are then reported as Exited. An instance still waiting for its
    /// dependencies (no process yet) has its run cancelled instead, so it never starts one later. A resource that never
    /// has a process of its own (a database, an external server) cannot be killed.
    /// </summary>
    public Task KillAsync(Resource resource)
    {
        if (resource.Instances.FirstOrDefault(instance => !instance.LaunchesProcess) is { } processless)
        {
            throw new InvalidOperationException(
                $"Resource '{processless.Name}' ({processless.Kind}) has no process to kill; stop it with StopResourceAsync, " +
                "or kill the server it lives on.");
        }

        return Task.WhenAll(resource.Instances.Select(KillInstanceAsync));
    }

    private void StartInstance(RunnableResource resource)
    {
        lock (gate)
        {
            if (runs.TryGetValue(resource, out var current) && !current.Completion.IsCompleted)
            {
                return;
            }

            var run = new ResourceRun();
            runs[resource] = run;
            // Synchronously, so a caller waiting right after Start sees the new run, not the previous Exited state.
            resource.SetState(ResourceState.Waiting);
            run.Completion = Task.Run(() => RunAsync(resource, run));
        }
    }

    private async Task StopInstanceAsync(RunnableResource resource)
    {
        if (ActiveRun(resource) is not { } run)
        {
            return;
        }

        run.StopRequested = true;
        resource.SetState(ResourceState.Stopping);
        await run.Cancellation.CancelAsync();
        if (resource.Process is { } process)
        {
            await process.StopAsync(resource.GracefulStopSignal, context.Options.GracefulStopTimeout);
        }

        // The process has been SIGKILLed by now if it had to be; what is left is the run noticing.
        await AwaitRunEndAsync(resource, run, context.Options.GracefulStopTimeout + RunEndTimeout, "being stopped");
    }

    private async Task KillInstanceAsync(RunnableResource resource)
    {
        if (ActiveRun(resource) is not { } run)
        {
            return;
        }

        if (resource.Process is { Exited.IsCompleted: false } process)
        {
            process.Kill();
        }
        else
        {
            // Waiting or preparing: there is nothing to SIGKILL yet, and left alone the run would start a process later.
            await run.Cancellation.CancelAsync();
        }

        await AwaitRunEndAsync(resource, run, RunEndTimeout, "being killed");
    }

    private ResourceRun? ActiveRun(RunnableResource resource)
    {
        lock (gate)
        {
            return runs.TryGetValue(resource, out var run) && !run.Completion.IsCompleted ? run : null;
        }
    }

    /// <summary>Awaits the end of a run under a timeout, so a stop or kill never hangs silently on a stuck resource.</summary>
    private static async Task AwaitRunEndAsync(RunnableResource resource, ResourceRun run, TimeSpan timeout, string action)
    {
        try
        {
            await run.Completion.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            var snapshot = resource.Snapshot();
            throw new TimeoutException(
                $"Resource '{resource.Name}' did not finish within {timeout.TotalSeconds:F0} s of {action}; it is {snapshot.State}" +
                $"{(snapshot.ProcessId is { } pid ? $" (process {pid})" : string.Empty)}.{Environment.NewLine}" +
                $"Last log lines of '{resource.Name}':{Environment.NewLine}{resource.Log.FormatTail()}");
        }
    }

    private async Task RunAsync(RunnableResource resource, ResourceRun run)
    {
        var cancellationToken = run.Cancellation.Token;
        resource.SetState(ResourceState.Waiting);
        foreach (var dependency in resource.WaitsFor)
        {
            var failure = await WaitForDependencyAsync(resource, dependency, cancellationToken);
            if (failure is not null)
            {
                Fail(resource, failure);
                return;
            }
        }

        if (cancellationToken.IsCancellationRequested)
        {
            resource.SetState(ResourceState.Exited);
            return;
        }

        resource.SetState(ResourceState.Starting);
        try
        {
            await resource.PrepareAsync(context, cancellationToken);
            resource.Process = await resource.LaunchAsync(context, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            resource.SetState(ResourceState.Exited);
            return;
        }
        catch (Exception ex)
        {
            Fail(resource, $"{ex.Message}{Environment.NewLine}Last log lines of '{resource.Name}':{Environment.NewLine}{resource.Log.FormatTail()}");
            return;
        }

        var process = resource.Process;
        if (process is not null)
        {
            context.Ledger.Add(process.Identity, resource.Name, resource.GracefulStopSignal);
            if (cancellationToken.IsCancellationRequested)
            {
                // Stopped while launching: the stopper did not see this process yet.
                await process.StopAsync(resource.GracefulStopSignal, context.Options.GracefulStopTimeout);
            }
        }

        if (!cancellationToken.IsCancellationRequested)
        {
            resource.SetState(ResourceState.Running);
        }

        using var monitorStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var monitor = MonitorHealthAsync(resource, monitorStop.Token);
        if (process is null)
        {
            await WaitUntilCancelledAsync(cancellationToken);
        }
        else
        {
            var exitCode = await process.Exited;
            context.Ledger.Remove(process.Identity);
            process.Dispose();
            await monitorStop.CancelAsync();
            await monitor;
            if (!run.StopRequested)
            {
                var reason = $"'{resource.Name}' exited unexpectedly with code {exitCode}";
                context.Output.WriteHostLine($"{reason}. Last log lines:{Environment.NewLine}{resource.Log.FormatTail(10)}");
                resource.SetState(ResourceState.Exited, reason, exitCode);
                return;
            }

            resource.SetState(ResourceState.Exited, exitCode: exitCode);
            return;
        }

        await monitorStop.CancelAsync();
        await monitor;
        resource.SetState(ResourceState.Exited);
    }

    private async Task<string?> WaitForDependencyAsync(RunnableResource resource, Resource dependency, CancellationToken cancellationToken)
    {
        var waitingSince = DateTime.UtcNow;
        var nextReport = waitingSince + StillWaitingReportInterval;
        while (!cancellationToken.IsCancellationRequested)
        {
            var changed = dependency.Changed;
            var snapshot = dependency.Snapshot();
            if (snapshot.IsHealthy)
            {
                return null;
            }

            if (snapshot.DownReason is { } down)
            {
                return $"dependency '{dependency.Name}' is {down}" +
                    $"{Environment.NewLine}Last log lines of '{dependency.Name}':{Environment.NewLine}{dependency.Log.FormatTail()}";
            }

            if (DateTime.UtcNow >= nextReport)
            {
                context.Output.WriteHostLine(
                    $"{resource.Name}: still waiting for '{dependency.Name}' ({snapshot.State}, {snapshot.Health}" +
                    $"{(snapshot.HealthDescription is null ? string.Empty : ": " + snapshot.HealthDescription)}) after " +
                    $"{(DateTime.UtcNow - waitingSince).TotalSeconds:F0} s");
                nextReport = DateTime.UtcNow + StillWaitingReportInterval;
            }

            await Task.WhenAny(changed, Task.Delay(TimeSpan.FromSeconds(1), cancellationToken));
        }

        return null;
    }

    private async Task MonitorHealthAsync(RunnableResource resource, CancellationToken cancellationToken)
    {
        var everHealthy = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(context.Options.HealthCheckTimeout);
            HealthCheckOutcome outcome;
            try
            {
                outcome = await resource.CheckHealthAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                outcome = HealthCheckOutcome.Unhealthy($"health check timed out after {context.Options.HealthCheckTimeout.TotalSeconds:F0} s");
            }
            catch (OperationCanceledException)
            {
                return;
            }

            resource.SetHealth(outcome.IsHealthy ? ResourceHealth.Healthy : ResourceHealth.Unhealthy, outcome.Description);
            everHealthy |= outcome.IsHealthy;
            await WaitUntilCancelledAsync(cancellationToken, everHealthy ? context.Options.HealthCheckInterval : StartupHealthCheckInterval);
        }
    }

    private void Fail(RunnableResource resource, string reason)
    {
        context.Output.WriteHostLine($"'{resource.Name}' failed to start: {reason}");
        resource.SetState(ResourceState.FailedToStart, reason);
    }

    private static async Task WaitUntilCancelledAsync(CancellationToken cancellationToken, TimeSpan? atMost = null)
    {
        try
        {
            await Task.Delay(atMost ?? Timeout.InfiniteTimeSpan, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed class ResourceRun
    {
        public CancellationTokenSource Cancellation { get; } = new();

        public bool StopRequested { get; set; }

        public Task Completion { get; set; } = Task.CompletedTask;
    }
}
