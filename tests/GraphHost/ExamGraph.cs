using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GraphHost;

/// <summary>How to start the graph: what the AppHost's configuration gets beyond its defaults.</summary>
public sealed record ExamGraphOptions
{
    /// <summary>ExamApi's admin key (the AppHost's <c>admin-key</c> parameter); generated when null.</summary>
    public string? AdminKey { get; init; }

    /// <summary>ExamApi replicas (<c>ExamApi:Replicas</c>).</summary>
    public int ExamApiReplicas { get; init; } = 1;

    /// <summary>
    /// PostgreSQL with the product's durable commits (what a benchmark measures). Off by default: tests run without
    /// fsync, synchronous commits and full-page writes.
    /// </summary>
    public bool DurablePostgres { get; init; }

    /// <summary>The data folder to use (kept); null for a fresh temporary one, deleted when the graph is disposed.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>More AppHost configuration, e.g. <c>ConnectionStrings:cache</c> or <c>Parameters:session-key</c>.</summary>
    public IReadOnlyDictionary<string, string> Configuration { get; init; } = new Dictionary<string, string>();

    /// <summary>Changes to the declared graph before it is built (e.g. an environment variable for a project).</summary>
    public Action<IDistributedApplicationTestingBuilder>? Configure { get; init; }

    /// <summary>How long starting may take until every resource is healthy.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// True to keep the projects' OTLP exporter. The testing builder runs no dashboard, so by default the projects get no
    /// OTLP endpoint: their spans and metrics are still made, but nothing is sent to an address where nobody listens.
    /// </summary>
    public bool ExportTelemetry { get; init; }

    /// <summary>
    /// True to run the Aspire dashboard with the graph, as <c>dotnet run --project AppHost</c> does: the projects export
    /// their traces, metrics and logs to it over OTLP (so this implies <see cref="ExportTelemetry"/>), sampled as Aspire
    /// samples them in Development (every trace), and <see cref="ExamGraph.Dashboard"/> says where to read them. No fixed
    /// port: the dashboard listens on ports of the graph's <see cref="PortBlock"/>, behind the orchestrator's proxies (on
    /// ports the system assigns), as a project does.
    /// </summary>
    public bool Dashboard { get; init; }

    /// <summary>False to return once the graph has started, healthy or not (for tests of a graph that cannot become healthy).</summary>
    public bool WaitUntilHealthy { get; init; } = true;
}

/// <summary>
/// The whole graph (Redis, PostgreSQL, ExamApi, CleanupWorker) started from the real AppHost through Aspire's
/// <c>DistributedApplicationTestingBuilder</c>, with Redis and PostgreSQL as local processes (this machine kind has no
/// container runtime, and the fault scenarios kill servers by process id), ports from a <see cref="PortBlock"/> of its own and, unless told otherwise, a
/// fresh data folder. Adds what tests and the load generator need on top of the application: replicas by index, process
/// ids, SIGKILL, stop and start through Aspire's resource commands, and the processes to check for leftovers.
/// </summary>
public sealed partial class ExamGraph : IAsyncDisposable
{
    private static readonly string[] TerminalStates = [.. KnownResourceStates.TerminalStates];

    // The name Aspire gives the dashboard's resource.
    private const string DashboardResource = "aspire-dashboard";

    private readonly string? temporaryDirectory;
    private readonly ConcurrentDictionary<string, SortedSet<string>> instances = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ProcessIdentity, byte> seenProcesses = new();
    private readonly CancellationTokenSource watching = new();

    private ExamGraph(DistributedApplication app, string dataDirectory, string? temporaryDirectory, PortBlock ports)
    {
        App = app;
        DataDirectory = dataDirectory;
        this.temporaryDirectory = temporaryDirectory;
        Ports = ports;
        _ = WatchInstancesAsync();
    }

    /// <summary>The running application.</summary>
    public DistributedApplication App { get; }

    /// <summary>The data folder of the local servers.</summary>
    public string DataDirectory { get; }

    /// <summary>The ports the servers and the projects' own listeners get theirs from, held while the graph runs.</summary>
    public PortBlock Ports { get; }

    /// <summary>The Aspire dashboard, for a graph started with <see cref="ExamGraphOptions.Dashboard"/>; null otherwise.</summary>
    public GraphDashboard? Dashboard { get; private set; }

    /// <summary>
    /// Starts the graph and waits until every resource is healthy; on failure or timeout everything started is stopped
    /// and a <see cref="DistributedApplicationException"/> gives each resource's state and the last log lines of those
    /// that are not healthy.
    /// </summary>
    public static async Task<ExamGraph> StartAsync(ExamGraphOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ExamGraphOptions();
        var temporary = options.DataDirectory is null ? Directory.CreateTempSubdirectory("examgraph-").FullName : null;
        var dataDirectory = options.DataDirectory ?? temporary!;
        // PostgreSQL runs as its own user when the tests run as root and must be able to enter the data folder.
        File.SetUnixFileMode(dataDirectory, (UnixFileMode)0b111_101_101);

        var ports = PortBlock.Take();
        var configuration = new Dictionary<string, string>
        {
            ["ASPIRE_PROXYLESS_ENDPOINT_PORT_RANGE"] = ports.Range,
            ["AppHost:Servers"] = "processes",
            ["AppHost:DataDirectory"] = dataDirectory,
            ["AppHost:DurablePostgres"] = options.DurablePostgres ? "true" : "false",
            ["ExamApi:Replicas"] = options.ExamApiReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (options.AdminKey is not null) configuration["Parameters:admin-key"] = options.AdminKey;
        var browserToken = options.Dashboard ? NewToken() : null;
        if (browserToken is not null)
        {
            // Credentials of this graph's own, given in process (no command line shows them): Aspire would otherwise take
            // an ambient browser token or generate its keys into the AppHost's user secrets, which graphs started side
            // by side would all write.
            configuration["ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "false";
            configuration["ASPIRE_DASHBOARD_FRONTEND_BROWSERTOKEN"] = browserToken;
            configuration["AppHost:OtlpApiKey"] = NewToken();
            configuration["AppHost:DashboardApiKey"] = NewToken();
            // No dev certificate here: plain http. Instead of the launch profile's fixed ports, which graphs side by side
            // would collide on: empty URLs, which Aspire allocates at start as a project's (the dashboard's own port from
            // the proxyless range, the graph's block, its proxy's from the system), and port 0 for the resource service,
            // which the AppHost binds itself.
            configuration["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
            configuration["ASPNETCORE_URLS"] = string.Empty;
            configuration["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = string.Empty;
            configuration["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"] = string.Empty;
            configuration["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = "http://127.0.0.1:0";
        }

        foreach (var (key, value) in options.Configuration) configuration[key] = value;

        DistributedApplication? app = null;
        ExamGraph? graph = null;
        try
        {
            // The resources' console logs stay in the graph (read them with LogTailAsync; failures quote them) instead of
            // flooding the test runner's console, and so do the orchestrator's informational messages.
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
                [.. configuration.Select(setting => $"{setting.Key}={setting.Value}")],
                (applicationOptions, _) =>
                {
                    applicationOptions.EnableResourceLogging = false;
                    applicationOptions.DisableDashboard = !options.Dashboard;
                }, cancellationToken);
            // The host polls each resource's health checks until they pass, so every start logs failures for servers
            // still starting (a page of stack traces per resource); a resource that never gets healthy fails the start
            // by name anyway.
            builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning)
                .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService", LogLevel.Critical));
            if (options.Dashboard)
            {
                // With a dashboard Aspire lets a resource wait for a failed dependency forever (someone might restart it
                // there); a graph's start must fail instead, as it does without one.
                builder.Services.Configure<ResourceNotificationServiceOptions>(notifications => notifications.DefaultWaitBehavior = WaitBehavior.StopOnResourceUnavailable);
            }
            else if (!options.ExportTelemetry)
            {
                foreach (var project in builder.Resources.OfType<ProjectResource>())
                {
                    builder.CreateResourceBuilder(project).WithEnvironment(context => context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_ENDPOINT"));
                }
            }

            options.Configure?.Invoke(builder);
            app = await builder.BuildAsync(cancellationToken);
            graph = new ExamGraph(app, dataDirectory, temporary, ports);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.StartTimeout);
            try
            {
                await app.StartAsync(timeout.Token);
                if (options.WaitUntilHealthy)
                {
                    foreach (var resource in graph.Resources) await graph.WaitHealthyAsync(resource.Name, timeout.Token);
                }

                if (browserToken is not null)
                {
                    // Waits until the dashboard is healthy; the URL it returns is the login link.
                    var login = await app.GetDashboardUrlAsync(timeout.Token);
                    graph.Dashboard = new GraphDashboard(new Uri(login.GetLeftPart(UriPartial.Authority)), browserToken);
                }
            }
            catch (Exception error) when (error is OperationCanceledException or DistributedApplicationException && !cancellationToken.IsCancellationRequested)
            {
                throw new DistributedApplicationException(await graph.DescribeStartFailureAsync(options.StartTimeout, error), error);
            }

            return graph;
        }
        catch
        {
            if (graph is not null) await graph.DisposeAsync();
            else
            {
                if (app is not null) await app.DisposeAsync();
                ports.Dispose();
                if (temporary is not null) DeleteDirectory(temporary);
            }

            throw;
        }
    }

    /// <summary>The graph's resources that run (servers, databases, projects), in declaration order.</summary>
    public IReadOnlyList<IResource> Resources => App.Services.GetRequiredService<DistributedApplicationModel>().Resources
        .Where(resource => resource is not ParameterResource and not ConnectionStringResource && !resource.Annotations.OfType<HiddenAnnotation>().Any())
        .ToList();

    /// <summary>The current snapshot of a resource (the first replica's for a replicated one).</summary>
    public CustomResourceSnapshot Snapshot(string resource, int replica = 0) =>
        App.ResourceNotifications.TryGetCurrentState(InstanceId(resource, replica), out var current)
            ? current.Snapshot
            : throw new InvalidOperationException($"Resource '{resource}' has no state yet.");

    /// <summary>The Aspire resource id of a resource's instance (<c>examapi-abcdwxyz</c>), replicas ordered by id.</summary>
    public string InstanceId(string resource, int replica = 0)
    {
        if (!instances.TryGetValue(resource, out var ids)) throw new InvalidOperationException($"Resource '{resource}' has no instances.");
        lock (ids)
        {
            if (replica < 0 || replica >= ids.Count) throw new ArgumentOutOfRangeException(nameof(replica), $"'{resource}' has {ids.Count} instance(s).");
            return ids.ElementAt(replica);
        }
    }

    /// <summary>The number of instances (replicas) of a resource.</summary>
    public int InstanceCount(string resource) => instances.TryGetValue(resource, out var ids) ? ids.Count : 0;

    /// <summary>The process id Aspire reports for a resource's instance, or null when it has none (stopped, a database).</summary>
    public int? ProcessId(string resource, int replica = 0) => ProcessIdOf(Snapshot(resource, replica));

    /// <summary>A replica's own URL (its <c>ASPNETCORE_URLS</c>), bypassing the proxy Aspire puts in front of all of them.</summary>
    public Uri ReplicaUrl(string resource, int replica) =>
        OwnUrl(Snapshot(resource, replica)) ?? throw new InvalidOperationException($"Replica {replica} of '{resource}' has no ASPNETCORE_URLS.");

    /// <summary>Every replica's own URL, in replica order.</summary>
    public IReadOnlyList<Uri> ReplicaUrls(string resource) =>
        Enumerable.Range(0, InstanceCount(resource)).Select(replica => ReplicaUrl(resource, replica)).ToList();

    /// <summary>A client for a project's endpoint (through Aspire's proxy, which spreads requests over the replicas).</summary>
    public HttpClient CreateHttpClient(string resource) => App.CreateHttpClient(resource);

    /// <summary>A client for one replica only.</summary>
    public HttpClient CreateReplicaClient(string resource, int replica) => new() { BaseAddress = ReplicaUrl(resource, replica) };

    /// <summary>A resource's connection string.</summary>
    public async Task<string> ConnectionStringAsync(string resource, CancellationToken cancellationToken = default) =>
        await App.GetConnectionStringAsync(resource, cancellationToken) ?? throw new InvalidOperationException($"'{resource}' has no connection string.");

    /// <summary>The value of a parameter (a key, or a password that only a connection string refers to).</summary>
    public async Task<string> ParameterAsync(string name, CancellationToken cancellationToken = default)
    {
        var resources = App.Services.GetRequiredService<DistributedApplicationModel>().Resources;
        var parameter = resources.OfType<ParameterResource>()
            .Concat(resources.OfType<IResourceWithConnectionString>().SelectMany(resource => resource.ConnectionStringExpression.ValueProviders.OfType<ParameterResource>()))
            .FirstOrDefault(parameter => parameter.Name == name) ?? throw new InvalidOperationException($"The graph has no parameter '{name}'.");
        return await parameter.GetValueAsync(cancellationToken) ?? throw new InvalidOperationException($"Parameter '{name}' has no value.");
    }

    /// <summary>Waits until an instance is running and healthy (every instance when <paramref name="replica"/> is null).</summary>
    public async Task WaitHealthyAsync(string resource, CancellationToken cancellationToken = default, int? replica = null)
    {
        if (replica is null)
        {
            // Replica ids are ordered once all of them are known.
            var expected = Resources.Single(r => r.Name == resource).Annotations.OfType<ReplicaAnnotation>().LastOrDefault()?.Replicas ?? 1;
            while (InstanceCount(resource) < expected) await Task.Delay(50, cancellationToken);
            for (var instance = 0; instance < expected; instance++) await WaitHealthyAsync(resource, cancellationToken, instance);
            return;
        }

        var id = InstanceId(resource, replica.Value);
        var healthy = await App.ResourceNotifications.WaitForResourceAsync(resource, change => change.ResourceId == id
            && (change.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy
                || change.Snapshot.State?.Text is { } state && TerminalStates.Contains(state)), cancellationToken);
        if (healthy.Snapshot.HealthStatus != Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy)
        {
            throw new DistributedApplicationException($"'{id}' is {healthy.Snapshot.State?.Text} (exit code {healthy.Snapshot.ExitCode}). Its last lines:"
                + Environment.NewLine + string.Join(Environment.NewLine, await FailureTailAsync(id)));
        }

        // A project's health check goes through the endpoint its replicas share, which another replica may answer:
        // this replica is ready when its own /health is.
        if (OwnUrl(healthy.Snapshot) is not null)
        {
            using var client = CreateReplicaClient(resource, replica.Value);
            while (true)
            {
                try
                {
                    using var response = await client.GetAsync("/health", cancellationToken);
                    if (response.IsSuccessStatusCode) return;
                }
                catch (HttpRequestException)
                {
                }

                await Task.Delay(100, cancellationToken);
            }
        }
    }

    /// <summary>Waits until a resource's first instance reaches <paramref name="state"/> and returns its snapshot.</summary>
    public async Task<CustomResourceSnapshot> WaitForStateAsync(string resource, string state, CancellationToken cancellationToken = default) =>
        (await App.ResourceNotifications.WaitForResourceAsync(resource, change => change.Snapshot.State?.Text == state, cancellationToken)).Snapshot;

    /// <summary>Waits until an instance has ended (after a kill or a stop) and returns its last snapshot.</summary>
    public async Task<CustomResourceSnapshot> WaitEndedAsync(string resource, CancellationToken cancellationToken = default, int replica = 0)
    {
        var id = InstanceId(resource, replica);
        var ended = await App.ResourceNotifications.WaitForResourceAsync(resource, change =>
            change.ResourceId == id && change.Snapshot.State?.Text is { } state && TerminalStates.Contains(state), cancellationToken);
        return ended.Snapshot;
    }

    /// <summary>
    /// SIGKILLs the process Aspire reports for an instance (for PostgreSQL its wrapper, which takes the postmaster with
    /// it) and waits until Aspire has seen it end. Nothing restarts it: start it again with <see cref="StartAsync(string, int, CancellationToken)"/>.
    /// </summary>
    public async Task<CustomResourceSnapshot> KillAsync(string resource, int replica = 0, CancellationToken cancellationToken = default)
    {
        var pid = ProcessId(resource, replica) ?? throw new InvalidOperationException($"'{InstanceId(resource, replica)}' has no process to kill.");
        Processes.Kill(pid);
        return await WaitEndedAsync(resource, cancellationToken, replica);
    }

    /// <summary>Stops an instance through Aspire's stop command (graceful: SIGTERM) and waits until it has ended.</summary>
    public async Task<CustomResourceSnapshot> StopAsync(string resource, int replica = 0, CancellationToken cancellationToken = default)
    {
        var result = await App.ResourceCommands.ExecuteCommandAsync(InstanceId(resource, replica), KnownResourceCommands.StopCommand, cancellationToken);
        if (!result.Success) throw new InvalidOperationException($"Stopping '{InstanceId(resource, replica)}' failed: {result.Message}");
        return await WaitEndedAsync(resource, cancellationToken, replica);
    }

    /// <summary>Starts an ended instance through Aspire's start command and waits until it is healthy.</summary>
    public async Task StartAsync(string resource, int replica = 0, CancellationToken cancellationToken = default)
    {
        var id = InstanceId(resource, replica);
        var result = await App.ResourceCommands.ExecuteCommandAsync(id, KnownResourceCommands.StartCommand, cancellationToken);
        if (!result.Success) throw new InvalidOperationException($"Starting '{id}' failed: {result.Message}");
        // Until the orchestrator reports the new run, the snapshot is the ended one's.
        await App.ResourceNotifications.WaitForResourceAsync(resource, change => change.ResourceId == id
            && change.Snapshot.State?.Text is { } state && !TerminalStates.Contains(state), cancellationToken);
        await WaitHealthyAsync(resource, cancellationToken, replica);
    }

    /// <summary>
    /// Every process of the graph seen so far: each instance's process and its descendants (PostgreSQL's postmaster and
    /// backends), recorded while they ran, so that leftovers can be found after the graph has stopped.
    /// </summary>
    public IReadOnlyCollection<int> ProcessesSeen
    {
        get
        {
            RecordProcesses();
            return seenProcesses.Keys.Select(process => process.Pid).ToList();
        }
    }

    /// <summary>Processes of the graph still alive, as "PID command line" (empty once everything has stopped).</summary>
    public IReadOnlyList<string> Survivors() =>
        seenProcesses.Keys.Where(process => process.IsAlive)
            .Select(process => $"{process.Pid} {Processes.CommandLine(process.Pid)}").ToList();

    /// <summary>
    /// CPU seconds used so far by each running resource's processes (every replica's, PostgreSQL's backends included),
    /// by the dashboard when it runs, by the orchestrator's own processes (DCP and its process monitors), and by this
    /// process (the AppHost, plus whatever else runs in it, such as a load generator). Two samples give the CPU of a time
    /// window.
    /// </summary>
    public IReadOnlyDictionary<string, double> SampleCpu()
    {
        var cpu = new Dictionary<string, double>(StringComparer.Ordinal);
        var graphProcesses = new HashSet<int>();
        foreach (var resource in Resources)
        {
            var roots = Enumerable.Range(0, InstanceCount(resource.Name)).Select(replica => ProcessId(resource.Name, replica)).OfType<int>().ToList();
            if (roots.Count == 0) continue;
            // A child's processes count as its parent's (the nodes of a Redis Cluster as "cache").
            var group = resource.Annotations.OfType<ResourceRelationshipAnnotation>().FirstOrDefault(relation => relation.Type == "Parent")?.Resource.Name ?? resource.Name;
            cpu[group] = cpu.GetValueOrDefault(group) + Processes.CpuSeconds(roots);
            graphProcesses.UnionWith(roots.SelectMany(Processes.WithDescendants));
        }

        // Aspire hides the dashboard from the graph's resources; it counts apart from the orchestrator that started it.
        if (Dashboard is not null && InstanceCount(DashboardResource) > 0 && ProcessId(DashboardResource) is { } dashboard)
        {
            cpu["dashboard"] = Processes.CpuSeconds([dashboard]);
            graphProcesses.UnionWith(Processes.WithDescendants(dashboard));
        }

        // The orchestrator detaches into a session of its own; it names the AppHost's process id as the one it watches.
        var orchestrator = Processes.All().Where(process => process.CommandLine.Contains($"--monitor {Environment.ProcessId} ", StringComparison.Ordinal))
            .Select(process => process.Pid).ToList();
        cpu["orchestrator"] = Processes.CpuSeconds(orchestrator, graphProcesses);
        cpu["this process"] = Processes.CpuSeconds([Environment.ProcessId], orchestrator.SelectMany(Processes.WithDescendants).ToHashSet());
        return cpu;
    }

    /// <summary>The last <paramref name="count"/> lines of a resource's console log (every replica's).</summary>
    public async Task<IReadOnlyList<string>> LogTailAsync(string resource, int count = 40) =>
        (await LogAsync(resource)).TakeLast(count).ToList();

    // The last lines of an instance that failed, without stack frames: those would push out the exception's message.
    private async Task<IEnumerable<string>> FailureTailAsync(string instanceId) =>
        (await InstanceLogAsync(instanceId)).Where(line => !StackFrame().IsMatch(line)).TakeLast(15);

    [GeneratedRegex(@"^\S+: \S*\s+(at |--- End of )")]
    private static partial Regex StackFrame();

    private async Task<List<string>> LogAsync(string resource)
    {
        var lines = new List<string>();
        foreach (var id in InstanceIds(resource)) lines.AddRange(await InstanceLogAsync(id));
        return lines;
    }

    private async Task<List<string>> InstanceLogAsync(string instanceId)
    {
        var lines = new List<string>();
        // A watch replays what was logged so far, then waits for more: stop once it has been quiet for a moment.
        using var quiet = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        try
        {
            await foreach (var batch in App.Services.GetRequiredService<ResourceLoggerService>().WatchAsync(instanceId).WithCancellation(quiet.Token))
            {
                lines.AddRange(batch.Select(line => $"{instanceId}: {line.Content}"));
                quiet.CancelAfter(TimeSpan.FromMilliseconds(200));
            }
        }
        catch (OperationCanceledException)
        {
        }

        return lines;
    }

    // Every instance's id (a replicated project has one per replica); the resource's name before any is known.
    private string[] InstanceIds(string resource) => instances.TryGetValue(resource, out var ids) ? Snapshot(ids) : [resource];

    /// <summary>Stops the graph (every process it started) and deletes a temporary data folder.</summary>
    public async ValueTask DisposeAsync()
    {
        RecordProcesses();
        await watching.CancelAsync();
        await App.DisposeAsync();
        Ports.Dispose();
        watching.Dispose();
        if (temporaryDirectory is not null) DeleteDirectory(temporaryDirectory);
    }

    private async Task WatchInstancesAsync()
    {
        try
        {
            await foreach (var change in App.ResourceNotifications.WatchAsync(watching.Token))
            {
                var ids = instances.GetOrAdd(change.Resource.Name, _ => new SortedSet<string>(StringComparer.Ordinal));
                lock (ids) ids.Add(change.ResourceId);
                if (ProcessIdOf(change.Snapshot) is { } pid)
                {
                    Record(Processes.WithDescendants(pid));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Record(IEnumerable<int> pids)
    {
        foreach (var pid in pids)
        {
            if (ProcessIdentity.Of(pid) is { } process) seenProcesses.TryAdd(process, 0);
        }
    }

    private void RecordProcesses()
    {
        foreach (var resource in instances.Keys)
        {
            for (var replica = 0; replica < InstanceCount(resource); replica++)
            {
                if (ProcessId(resource, replica) is { } pid)
                {
                    Record(Processes.WithDescendants(pid));
                }
            }
        }
    }

    private async Task<string> DescribeStartFailureAsync(TimeSpan timeout, Exception error)
    {
        var lines = new List<string> { $"The graph did not become healthy within {timeout.TotalSeconds:F0} s: {error.Message}" };
        foreach (var resource in Resources)
        {
            foreach (var id in InstanceIds(resource.Name))
            {
                var known = App.ResourceNotifications.TryGetCurrentState(id, out var current);
                var state = known ? $"{current!.Snapshot.State?.Text} / {current.Snapshot.HealthStatus?.ToString() ?? "no health"}" : "no state";
                // A replica counts as healthy in Aspire once the endpoint it shares answers; its own /health says more.
                var ownHealth = known ? await OwnHealthAsync(current!.Snapshot) : null;
                lines.Add($"- {id}: {state}{(ownHealth is null ? "" : $"; its own /health: {ownHealth}")}");
                if (!known || current!.Snapshot.HealthStatus != Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy || ownHealth?.StartsWith("200", StringComparison.Ordinal) == false)
                {
                    lines.AddRange((await FailureTailAsync(id)).Select(line => "    " + line));
                }
            }
        }

        return string.Join(Environment.NewLine, lines);
    }

    // A project instance's own /health (status and body, which names each check and its state); null for other resources.
    private static async Task<string?> OwnHealthAsync(CustomResourceSnapshot snapshot)
    {
        if (OwnUrl(snapshot) is not { } url) return null;
        using var client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var response = await client.GetAsync("/health");
            var body = await response.Content.ReadAsStringAsync();
            return $"{(int)response.StatusCode} {(body.Length > 400 ? body[..400] + "…" : body)}";
        }
        catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException)
        {
            return $"no answer ({failure.Message})";
        }
    }

    // A project instance's own listener (the first of its ASPNETCORE_URLS); null for servers and databases.
    private static Uri? OwnUrl(CustomResourceSnapshot snapshot) =>
        snapshot.EnvironmentVariables.FirstOrDefault(variable => variable.Name == "ASPNETCORE_URLS")?.Value is { Length: > 0 } urls ? new Uri(urls.Split(';')[0]) : null;

    private static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static int? ProcessIdOf(CustomResourceSnapshot snapshot) =>
        snapshot.Properties.FirstOrDefault(property => property.Name == "executable.pid")?.Value switch
        {
            int pid => pid,
            long pid => (int)pid,
            string text when int.TryParse(text, out var pid) => pid,
            _ => null,
        };

    private static string[] Snapshot(SortedSet<string> ids)
    {
        lock (ids) return [.. ids];
    }

    private static void DeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
