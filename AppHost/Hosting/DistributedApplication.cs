using System.Diagnostics;
using System.Runtime.InteropServices;
using AppHost.Hosting.Processes;
using AppHost.Hosting.Resources;

namespace AppHost.Hosting;

/// <summary>
/// The running application graph (Aspire's <c>DistributedApplication</c>): starts resources, waits on their health,
/// hands out connection strings and endpoints, and stops everything in reverse order.
/// </summary>
public sealed class DistributedApplication : IAsyncDisposable
{
    private static readonly TimeSpan DefaultWaitTimeout = TimeSpan.FromSeconds(60);
    private readonly DistributedApplicationBuilder builder;
    private readonly ProcessLedger ledger;
    private readonly ResourceOrchestrator orchestrator;
    private readonly Stopwatch sinceStart = new();
    private bool started;
    private bool stopped;

    internal DistributedApplication(DistributedApplicationBuilder builder)
    {
        this.builder = builder;
        Output = new HostOutput(Options.WriteResourceOutputToConsole && !Options.IsTesting);
        ledger = new ProcessLedger(Path.Combine(Options.DataDirectory, "apphost.pids"), Output);
        orchestrator = new ResourceOrchestrator(new HostingContext(Options, builder.Configuration, ledger, Output), builder.Resources);
    }

    /// <summary>How the graph runs.</summary>
    public DistributedApplicationOptions Options => builder.Options;

    /// <summary>The resources in declaration order.</summary>
    public IReadOnlyList<Resource> Resources => builder.Resources;

    /// <summary>The host's console and its own log.</summary>
    public HostOutput Output { get; }

    /// <summary>Every process the graph has started (PID + start time), for checks that none survives.</summary>
    public IReadOnlyList<ProcessIdentity> StartedProcesses => ledger.EverStarted;

    /// <summary>Creates the builder Program.cs declares the graph on (under the test host: the test's options).</summary>
    public static DistributedApplicationBuilder CreateBuilder(string[] args) =>
        DistributedApplicationTestingBuilder.CreateBuilderIfTesting(args)
        ?? new DistributedApplicationBuilder(args, DistributedApplicationBuilder.DefaultOptions(), overrides: null);

    /// <summary>Starts the graph and runs until SIGINT/SIGTERM, then stops it (the <c>dotnet run</c> path).</summary>
    public void Run() => RunAsync().GetAwaiter().GetResult();

    /// <inheritdoc cref="Run"/>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        if (DistributedApplicationTestingBuilder.IsCapturing)
        {
            return; // the test host ran the entry point only to get the declared graph
        }

        if (builder.Configuration["publisher"] == "manifest")
        {
            var outputPath = builder.Configuration["output-path"] ?? "aspire-manifest.json";
            await PublishManifestAsync(outputPath);
            Console.Out.WriteLine($"apphost | wrote the Aspire manifest to {Path.GetFullPath(outputPath)}");
            return;
        }

        using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void RequestShutdown(PosixSignalContext signal)
        {
            signal.Cancel = true;
            shutdown.Cancel();
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, RequestShutdown);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, RequestShutdown);

        await StartAsync(shutdown.Token);
        var report = ReportStartupAsync(shutdown.Token);
        try
        {
            await Task.Delay(Timeout.Infinite, shutdown.Token);
        }
        catch (OperationCanceledException)
        {
        }

        Output.WriteHostLine("stopping resources (reverse order)...");
        await StopAsync();
        await report;
        Output.WriteHostLine("all resources stopped");
    }

    /// <summary>
    /// Writes the Aspire manifest (<c>--publisher manifest --output-path FILE</c>) for deployment tools; starts nothing.
    /// </summary>
    public Task PublishManifestAsync(string outputPath) => ManifestPublisher.WriteAsync(Resources, builder.Parameters, outputPath);

    /// <summary>Cleans up a previous run's leftovers and starts every resource (returns without waiting for health).</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (started)
        {
            return;
        }

        started = true;
        sinceStart.Start();
        Directory.CreateDirectory(Options.DataDirectory);
        await ledger.CleanUpLeftoversAsync();
        // Each process's output under its own name: a replicated project's lines appear as examapi-0, examapi-1, ...
        var instances = Resources.SelectMany(resource => resource.Instances).ToList();
        var width = instances.Max(instance => instance.Name.Length);
        foreach (var instance in instances)
        {
            Output.Attach(instance.Log, instance.Name, width);
        }

        orchestrator.StartAll();
    }

    /// <summary>
    /// Stops every resource, dependents first; graceful, then forceful after the stop timeout. If one does not stop in
    /// time (reported in the host log), the process ledger is kept so the next run cleans up what it left.
    /// </summary>
    public async Task StopAsync()
    {
        if (stopped || !started)
        {
            return;
        }

        stopped = true;
        if (await orchestrator.StopAllAsync())
        {
            File.Delete(Path.Combine(Options.DataDirectory, "apphost.pids"));
        }
    }

    /// <summary>Stops the graph and, for the test host's temporary data, deletes it.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (Options.DeleteDataDirectoryOnDispose && Directory.Exists(Options.DataDirectory))
        {
            Directory.Delete(Options.DataDirectory, recursive: true);
        }
    }

    /// <summary>The resource named <paramref name="name"/>.</summary>
    public Resource GetResource(string name) =>
        Resources.SingleOrDefault(resource => resource.Name == name)
        ?? throw new ArgumentException($"No resource named '{name}'. Resources: {string.Join(", ", Resources.Select(r => r.Name))}.", nameof(name));

    /// <summary>
    /// Waits until the resource is Running and its health check passes (a project: every replica); fails fast when it
    /// cannot get there (it, or one of its replicas, failed to start or exited).
    /// </summary>
    public Task WaitForResourceHealthyAsync(string name, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        WaitForResourceAsync(name, "healthy", snapshot => snapshot.IsHealthy, failFast: true, timeout, cancellationToken);

    /// <summary>
    /// Waits until <paramref name="condition"/> holds for the resource's snapshot. The timeout's error names the resource,
    /// its state and health, what it waits for, and its last log lines.
    /// </summary>
    public async Task<ResourceSnapshot> WaitForResourceAsync(
        string name, string description, Func<ResourceSnapshot, bool> condition, bool failFast = false,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var resource = GetResource(name);
        var limit = timeout ?? DefaultWaitTimeout;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var changed = resource.Changed;
            var snapshot = resource.Snapshot();
            if (condition(snapshot))
            {
                return snapshot;
            }

            if (failFast && snapshot.DownReason is { } down)
            {
                throw new DistributedApplicationException(
                    $"Resource '{name}' will not become {description}: it is {down}.{Environment.NewLine}{Describe(resource)}");
            }

            var remaining = limit - deadline.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException(
                    $"Resource '{name}' did not become {description} within {limit.TotalSeconds:F0} s.{Environment.NewLine}{Describe(resource)}");
            }

            await Task.WhenAny(changed, Task.Delay(remaining, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>The connection string of a Redis, PostgreSQL or database resource, once it has been prepared.</summary>
    public async Task<string> GetConnectionStringAsync(string name, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (GetResource(name) is not IResourceWithConnectionString resource)
        {
            throw new ArgumentException($"Resource '{name}' has no connection string.", nameof(name));
        }

        await WaitForResourceAsync(name, "prepared (connection string known)", _ => resource.ConnectionString is not null,
            failFast: true, timeout, cancellationToken);
        return resource.ConnectionString!;
    }

    /// <summary>The HTTP base address of a project resource's replica (replica 0 unless <paramref name="replica"/> says otherwise).</summary>
    public Uri GetEndpoint(string name, int replica = 0) =>
        GetReplica(name, replica).HttpEndpoint
        ?? throw new InvalidOperationException($"Resource '{name}' is not a started project with an HTTP endpoint.");

    /// <summary>The HTTP base address of every replica of a project resource, in replica order.</summary>
    public IReadOnlyList<Uri> GetEndpoints(string name) =>
        Enumerable.Range(0, GetProject(name).Replicas.Count).Select(replica => GetEndpoint(name, replica)).ToArray();

    /// <summary>An HttpClient whose BaseAddress is the endpoint of the project's replica (replica 0 by default).</summary>
    public HttpClient CreateHttpClient(string name, int replica = 0) =>
        new() { BaseAddress = GetEndpoint(name, replica), Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>
    /// Stops one resource gracefully, or only one replica of a project with <paramref name="replica"/>; its dependents
    /// and the other replicas keep running, as in Aspire. A resource still Waiting is not started any more. Throws a
    /// <see cref="TimeoutException"/> naming the resource if it has not ended by the stop timeout plus 10 s.
    /// </summary>
    public Task StopResourceAsync(string name, int? replica = null) => orchestrator.StopAsync(Target(name, replica));

    /// <summary>
    /// Starts a stopped or exited resource again (every replica that is not running, or only <paramref name="replica"/>),
    /// on the same port with the same password; wait for health separately.
    /// </summary>
    public Task StartResourceAsync(string name, int? replica = null)
    {
        orchestrator.Start(Target(name, replica));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Kills a resource's processes (SIGKILL), or only one replica's with <paramref name="replica"/>, as a crash would;
    /// they are then reported as Exited and nothing else is stopped. A resource still Waiting has no process yet: it is
    /// not started any more. A resource that never has a process (a database, an external server) throws
    /// <see cref="InvalidOperationException"/>; one that has not ended within 10 s, a <see cref="TimeoutException"/>.
    /// </summary>
    public Task KillResourceAsync(string name, int? replica = null) => orchestrator.KillAsync(Target(name, replica));

    private ProjectResource GetProject(string name) =>
        GetResource(name) as ProjectResource ?? throw new ArgumentException($"Resource '{name}' is not a project.", nameof(name));

    private ProjectReplica GetReplica(string name, int replica)
    {
        var replicas = GetProject(name).Replicas;
        return replica >= 0 && replica < replicas.Count
            ? replicas[replica]
            : throw new ArgumentOutOfRangeException(nameof(replica), replica, $"'{name}' has {replicas.Count} replica(s), numbered from 0.");
    }

    /// <summary>The whole resource, or one replica of a project.</summary>
    private Resource Target(string name, int? replica) => replica is { } index ? GetReplica(name, index) : GetResource(name);

    private static string Describe(Resource resource)
    {
        var snapshot = resource.Snapshot();
        var waitingOn = resource.WaitsFor.Select(dependency => dependency.Snapshot())
            .Where(dependency => !dependency.IsHealthy)
            .Select(dependency => $"'{dependency.Name}' ({dependency.State}, {dependency.Health})")
            .ToList();
        return $"State {snapshot.State}, health {snapshot.Health}{(snapshot.HealthDescription is null ? "" : $" ({snapshot.HealthDescription})")}" +
            (snapshot.State == ResourceState.Waiting && waitingOn.Count > 0 ? $", waiting for {string.Join(", ", waitingOn)}" : "") +
            $".{Environment.NewLine}Last log lines of '{resource.Name}':{Environment.NewLine}{resource.Log.FormatTail()}";
    }

    private async Task ReportStartupAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(Resources.Select(resource => WaitForResourceAsync(resource.Name, "settled",
                snapshot => snapshot.IsHealthy || snapshot.DownReason is not null,
                timeout: TimeSpan.FromMinutes(10), cancellationToken: cancellationToken)));
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (TimeoutException)
        {
        }

        var processStart = Process.GetCurrentProcess().StartTime.ToUniversalTime();
        var allHealthy = Resources.All(resource => resource.Snapshot().IsHealthy);
        Output.WriteBlock(StartupReport.Render(this, builder.Parameters, builder.Configuration));
        Output.WriteHostLine(allHealthy
            ? $"all resources healthy {sinceStart.Elapsed.TotalSeconds:F1} s after start ({(DateTime.UtcNow - processStart).TotalSeconds:F1} s since the AppHost process started). Ctrl+C stops everything."
            : "some resources did not start; see the messages above. Ctrl+C stops everything.");
    }
}

/// <summary>A resource cannot reach the state a caller waits for (it failed to start or exited).</summary>
public sealed class DistributedApplicationException(string message) : Exception(message);
