using AppHost.Hosting;
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
    /// examdb without connection pooling: the generator opens few connections, and a pooled one that outlived a
    /// Postgres restart (a fault scenario) would fail the verification that runs after it.
    /// </summary>
    internal string UnpooledPostgres => new NpgsqlConnectionStringBuilder(PostgresConnectionString) { Pooling = false }.ConnectionString;
}

/// <summary>
/// The whole graph (Redis, Postgres, ExamApi, CleanupWorker) started in this process through the AppHost's test host,
/// with random ports and temporary data that are removed on disposal.
/// </summary>
public sealed class ExamGraph : IAsyncDisposable
{
    private ExamGraph(DistributedApplication app, ExamTarget target)
    {
        App = app;
        Target = target;
    }

    /// <summary>The running application (stop, start or kill its resources for fault scenarios).</summary>
    public DistributedApplication App { get; }

    /// <summary>The graph as a load target.</summary>
    public ExamTarget Target { get; }

    /// <summary>
    /// Starts the graph with <paramref name="adminKey"/> as ExamApi's admin key, plus any <paramref name="examApiEnvironment"/>
    /// variables for ExamApi (e.g. a log level, to measure what it costs), and <paramref name="examApiReplicas"/> ExamApi
    /// replicas (the target then splits requests across all of them), and waits until every resource is healthy.
    /// Postgres runs as under the test host (no fsync) unless <paramref name="durablePostgres"/> asks for the product's
    /// settings (every commit flushed), which is what a benchmark should measure.
    /// </summary>
    public static async Task<ExamGraph> StartAsync(
        string adminKey, TimeSpan timeout, IReadOnlyDictionary<string, string>? examApiEnvironment = null, int examApiReplicas = 1,
        bool durablePostgres = false, CancellationToken cancellationToken = default)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Program>(
            configuration: new Dictionary<string, string?>
            {
                ["Parameters:admin-key"] = adminKey,
                ["ExamApi:Replicas"] = examApiReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            configureOptions: options => options.DurablePostgres = durablePostgres);
        var examApi = builder.CreateResourceBuilder<AppHost.Hosting.Resources.ProjectResource>("examapi");
        foreach (var (name, value) in examApiEnvironment ?? new Dictionary<string, string>()) examApi.WithEnvironment(name, value);
        var app = builder.Build();
        try
        {
            await app.StartAsync(cancellationToken);
            foreach (var resource in app.Resources)
            {
                await app.WaitForResourceHealthyAsync(resource.Name, timeout, cancellationToken);
            }

            var target = new ExamTarget(
                [.. app.GetEndpoints("examapi")],
                adminKey,
                await app.GetConnectionStringAsync("cache", timeout, cancellationToken),
                await app.GetConnectionStringAsync("examdb", timeout, cancellationToken));
            return new ExamGraph(app, target);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops every resource and deletes the temporary data.</summary>
    public ValueTask DisposeAsync() => App.DisposeAsync();
}
