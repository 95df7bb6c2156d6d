using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace LoadGenerator;

/// <summary>
/// The options that say what a command runs against, the whole graph started in process (<c>--graph</c>,
/// <c>--fast-postgres</c>, <c>--examapi-env</c>, <c>--redis-cluster</c>, <c>--redis-replicas</c>, <c>--dashboard</c>) or a running deployment (<c>--base-url</c>, <c>--admin-key</c>,
/// <c>--redis</c>, <c>--postgres</c>), and how to start or reach it.
/// </summary>
internal sealed class TargetArguments
{
    private readonly Option<bool> graph = new("--graph") { Description = "Start the whole graph (Redis, Postgres, ExamApi, CleanupWorker) in process with random ports and temporary data." };
    private readonly Option<bool> fastPostgres = new("--fast-postgres") { Description = "With --graph: Postgres without fsync and synchronous commit, as the tests run it (default: the product's durable settings)." };
    private readonly Option<string[]> examApiEnvironment = new("--examapi-env") { Description = "With --graph: NAME=VALUE environment variable for ExamApi (repeatable), e.g. Logging__LogLevel__Default=Warning." };
    private readonly Option<int> redisCluster = new("--redis-cluster") { Description = "With --graph: Redis as a cluster of this many masters (3 to 16) instead of one server (AppHost:RedisCluster:Masters)." };
    private readonly Option<int> redisReplicas = new("--redis-replicas") { Description = "With --redis-cluster: replicas of each master.", DefaultValueFactory = _ => 1 };
    private readonly Option<bool> dashboard = new("--dashboard") { Description = "With --graph: run the Aspire dashboard too, the services exporting their traces, metrics and logs to it over OTLP as under dotnet run; the run fails unless ExamApi's traces reach it." };
    private readonly Option<string[]> baseUrls = new("--base-url") { Description = "ExamApi base URL of a running deployment; repeat for replicas (requests are split round robin)." };
    private readonly Option<string?> adminKey = new("--admin-key") { Description = "ExamApi admin key (with --base-url; under the AppHost: its admin-key parameter, dotnet user-secrets list --project AppHost)." };
    private readonly Option<string?> redis = new("--redis") { Description = "Redis connection string, e.g. 127.0.0.1:6379,password=... (with --base-url)." };
    private readonly Option<string?> postgres = new("--postgres") { Description = "examdb connection string, e.g. Host=127.0.0.1;Port=5432;Username=postgres;Password=...;Database=examdb (with --base-url)." };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option option in (Option[])[graph, fastPostgres, examApiEnvironment, redisCluster, redisReplicas, dashboard, baseUrls, adminKey, redis, postgres]) command.Options.Add(option);
    }

    /// <summary>Throws <see cref="ArgumentException"/> when the options contradict each other.</summary>
    public void Validate(ParseResult parse)
    {
        if (parse.GetValue(graph) == (parse.GetValue(baseUrls) is { Length: > 0 }))
            throw new ArgumentException("give either --graph or --base-url.");
        if (ExamApiEnvironment(parse).Count > 0 && !parse.GetValue(graph)) throw new ArgumentException("--examapi-env needs --graph.");
        if (parse.GetValue(fastPostgres) && !parse.GetValue(graph)) throw new ArgumentException("--fast-postgres needs --graph.");
        if (parse.GetValue(redisCluster) is var masters && masters != 0)
        {
            if (!parse.GetValue(graph)) throw new ArgumentException("--redis-cluster needs --graph (for a deployment's cluster, --redis lists its nodes).");
            if (masters is < 3 or > 16) throw new ArgumentException("--redis-cluster must be 3 to 16 masters.");
        }

        if (parse.GetValue(redisReplicas) is < 0 or > 2) throw new ArgumentException("--redis-replicas must be 0, 1 or 2.");
        if (parse.GetValue(dashboard) && !parse.GetValue(graph))
            throw new ArgumentException("--dashboard needs --graph (a deployment's services export their telemetry wherever it has them configured to).");
    }

    /// <summary>Runs <paramref name="run"/> against the target: a graph started for it (and stopped after it), or the deployment named.</summary>
    public async Task<T> RunAsync<T>(ParseResult parse, IAnsiConsole console, Func<ExamTarget, Task<T>> run, CancellationToken cancellationToken)
    {
        if (parse.GetValue(graph))
        {
            var masters = parse.GetValue(redisCluster);
            var withDashboard = parse.GetValue(dashboard);
            console.WriteLine((masters == 0
                ? "Starting the graph (Redis, Postgres, ExamApi, CleanupWorker"
                : $"Starting the graph (a Redis Cluster of {masters} masters × {1 + parse.GetValue(redisReplicas)}, Postgres, ExamApi, CleanupWorker")
                + (withDashboard ? ", the Aspire dashboard)…" : ")…"));
            var configuration = masters == 0 ? new Dictionary<string, string>() : new Dictionary<string, string>
            {
                ["AppHost:RedisCluster:Masters"] = masters.ToString(CultureInfo.InvariantCulture),
                ["AppHost:RedisCluster:ReplicasPerMaster"] = parse.GetValue(redisReplicas).ToString(CultureInfo.InvariantCulture),
            };
            await using var started = await TargetGraph.StartAsync(
                $"loadgen-{Guid.NewGuid():N}", TimeSpan.FromSeconds(120), ExamApiEnvironment(parse), durablePostgres: !parse.GetValue(fastPostgres),
                configuration: configuration, dashboard: withDashboard, cancellationToken: cancellationToken);
            return await run(started.Target);
        }

        var target = new ExamTarget(
            [.. parse.GetValue(baseUrls)!.Select(url => new Uri(url, UriKind.Absolute))],
            parse.GetValue(adminKey) ?? throw new ArgumentException("--base-url needs --admin-key."),
            parse.GetValue(redis) ?? throw new ArgumentException("--base-url needs --redis."),
            parse.GetValue(postgres) ?? throw new ArgumentException("--base-url needs --postgres."));
        return await run(target);
    }

    private Dictionary<string, string> ExamApiEnvironment(ParseResult parse) =>
        (parse.GetValue(examApiEnvironment) ?? []).Select(pair => pair.Split('=', 2)).ToDictionary(
            pair => pair.Length == 2 && pair[0].Length > 0 ? pair[0] : throw new ArgumentException($"--examapi-env '{string.Join('=', pair)}' is not NAME=VALUE."),
            pair => pair[1]);
}
