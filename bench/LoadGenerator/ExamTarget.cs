using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using GraphHost;
using Npgsql;

namespace LoadGenerator;

/// <summary>
/// A running exam deployment: the ExamApi base URLs (requests are split round robin across them), the admin key, and
/// the connection strings of its Redis (memory measurement) and Postgres (row counts, verification, pgbench).
/// </summary>
public sealed record ExamTarget
{
    /// <summary>Creates a target; at least one absolute http(s) base URL is required.</summary>
    public ExamTarget(IReadOnlyList<Uri> baseUrls, string adminKey, string redisConnectionString, string postgresConnectionString)
    {
        ArgumentNullException.ThrowIfNull(baseUrls);
        if (baseUrls.Count == 0) throw new ArgumentException("At least one ExamApi base URL is required.", nameof(baseUrls));
        foreach (var url in baseUrls)
        {
            if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
                throw new ArgumentException($"'{url}' is not an absolute http(s) URL.", nameof(baseUrls));
        }
        ArgumentException.ThrowIfNullOrWhiteSpace(adminKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(redisConnectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(postgresConnectionString);
        BaseUrls = baseUrls;
        AdminKey = adminKey;
        RedisConnectionString = redisConnectionString;
        PostgresConnectionString = postgresConnectionString;
    }

    /// <summary>ExamApi base URLs, one per replica.</summary>
    public IReadOnlyList<Uri> BaseUrls { get; }

    /// <summary>The admin key (header <c>X-Api-Key</c>) for the item import and read-back.</summary>
    public string AdminKey { get; }

    /// <summary>StackExchange.Redis connection string of the hot state's Redis.</summary>
    public string RedisConnectionString { get; }

    /// <summary>Npgsql connection string of examdb.</summary>
    public string PostgresConnectionString { get; }

    /// <summary>
    /// CPU seconds used so far per process group of the deployment (a graph started here knows its processes), to report
    /// the CPU each answer costs each of them; null for a deployment elsewhere.
    /// </summary>
    public Func<IReadOnlyDictionary<string, double>>? SampleCpu { get; init; }

    /// <summary>
    /// Waits (30 s at most) for ExamApi's traces to reach the Aspire dashboard over OTLP and returns how many it holds, 0
    /// when none arrived; null for a target without a dashboard of its own (a graph started here without one, a deployment).
    /// </summary>
    public Func<CancellationToken, Task<int>>? CountDashboardTraces { get; init; }

    /// <summary>
    /// examdb without connection pooling: the generator opens few connections, and a pooled one that outlived a
    /// Postgres restart (a fault scenario) would fail the verification that runs after it.
    /// </summary>
    internal string UnpooledPostgres => new NpgsqlConnectionStringBuilder(PostgresConnectionString) { Pooling = false }.ConnectionString;
}

/// <summary>
/// The whole graph (Redis, Postgres, ExamApi, CleanupWorker) started in this process from the real AppHost through Aspire's
/// testing builder (<see cref="ExamGraph"/>), with random ports and temporary data that are removed on disposal. The
/// target addresses every ExamApi replica directly, as a load balancer in front of them would, rather than through the
/// proxy Aspire runs in front of a project for development, so its hop is not measured.
/// </summary>
public sealed class TargetGraph : IAsyncDisposable
{
    private TargetGraph(ExamGraph graph, ExamTarget target)
    {
        Graph = graph;
        Target = target;
    }

    /// <summary>The running graph (stop, start or kill its resources for fault scenarios).</summary>
    public ExamGraph Graph { get; }

    /// <summary>The graph as a load target.</summary>
    public ExamTarget Target { get; }

    /// <summary>
    /// Starts the graph with <paramref name="adminKey"/> as ExamApi's admin key, plus any <paramref name="examApiEnvironment"/>
    /// variables for ExamApi (e.g. a log level, to measure what it costs), and <paramref name="examApiReplicas"/> ExamApi
    /// replicas (the target then splits requests across all of them), and waits until every resource is healthy.
    /// Postgres runs as under the tests (no fsync) unless <paramref name="durablePostgres"/> asks for the product's
    /// settings (every commit flushed), which is what a benchmark should measure. <paramref name="configuration"/> is more
    /// AppHost configuration (e.g. <c>AppHost:RedisCluster:Masters</c>). With <paramref name="dashboard"/> the Aspire
    /// dashboard runs too and the services export their telemetry to it, as under <c>dotnet run</c>; the target can then
    /// count what arrived (<see cref="ExamTarget.CountDashboardTraces"/>).
    /// </summary>
    public static async Task<TargetGraph> StartAsync(
        string adminKey, TimeSpan timeout, IReadOnlyDictionary<string, string>? examApiEnvironment = null, int examApiReplicas = 1,
        bool durablePostgres = false, IReadOnlyDictionary<string, string>? configuration = null, bool dashboard = false,
        CancellationToken cancellationToken = default)
    {
        var graph = await ExamGraph.StartAsync(new ExamGraphOptions
        {
            AdminKey = adminKey,
            ExamApiReplicas = examApiReplicas,
            DurablePostgres = durablePostgres,
            Dashboard = dashboard,
            StartTimeout = timeout,
            Configuration = configuration ?? new Dictionary<string, string>(),
            Configure = builder =>
            {
                var examApi = builder.CreateResourceBuilder<ProjectResource>("examapi");
                // The report splits each endpoint's latency into ExamApi's own time and the rest.
                examApi.WithEnvironment("Exam__ServerTiming", "true");
                foreach (var (name, value) in examApiEnvironment ?? new Dictionary<string, string>()) examApi.WithEnvironment(name, value);
            },
        }, cancellationToken);
        try
        {
            var target = new ExamTarget(
                graph.ReplicaUrls("examapi"),
                adminKey,
                await graph.ConnectionStringAsync("cache", cancellationToken),
                await graph.ConnectionStringAsync("examdb", cancellationToken))
            {
                SampleCpu = graph.SampleCpu,
                CountDashboardTraces = graph.Dashboard is { } started ? cancellation => CountExamApiTracesAsync(started, cancellation) : null,
            };
            return new TargetGraph(graph, target);
        }
        catch
        {
            await graph.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops every resource and deletes the temporary data.</summary>
    public ValueTask DisposeAsync() => Graph.DisposeAsync();

    private static async Task<int> CountExamApiTracesAsync(GraphDashboard dashboard, CancellationToken cancellationToken)
    {
        using var telemetry = await dashboard.OpenTelemetryAsync(cancellationToken);
        return await telemetry.WaitForTracesAsync("examapi", TimeSpan.FromSeconds(30), cancellationToken);
    }
}
