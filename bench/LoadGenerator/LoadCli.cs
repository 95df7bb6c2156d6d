using System.CommandLine;
using Aspire.Hosting;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace LoadGenerator;

/// <summary>
/// <c>loadgen</c>: simulated examinees against the whole graph started in process (<c>--graph</c>) or a running
/// deployment (<c>--base-url</c>, repeatable, with its admin key, Redis and Postgres). Exit code 0 when the
/// verification passed, 1 when it did not, 2 for bad options or a failed run.
/// </summary>
public static class LoadCli
{
    private static readonly JsonSerializerOptions ReportJson = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The entry point.</summary>
    public static async Task<int> Main(string[] args)
    {
        using var stop = new CancellationTokenSource();
        // Ctrl+C and SIGTERM end the run in order (a started graph stops its servers) instead of killing the process.
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        var root = CreateCommand();
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, stop.Token);
    }

    /// <summary>The command and its options.</summary>
    public static RootCommand CreateCommand()
    {
        var defaults = new LoadOptions();
        var graph = new Option<bool>("--graph") { Description = "Start the whole graph (Redis, Postgres, ExamApi, CleanupWorker) in process with random ports and temporary data." };
        var fastPostgres = new Option<bool>("--fast-postgres") { Description = "With --graph: Postgres without fsync and synchronous commit, as the tests run it (default: the product's durable settings)." };
        var baseUrls = new Option<string[]>("--base-url") { Description = "ExamApi base URL of a running deployment; repeat for replicas (requests are split round robin)." };
        var adminKey = new Option<string?>("--admin-key") { Description = "ExamApi admin key (with --base-url; under the AppHost: its admin-key parameter, dotnet user-secrets list --project AppHost)." };
        var redis = new Option<string?>("--redis") { Description = "Redis connection string, e.g. 127.0.0.1:6379,password=... (with --base-url)." };
        var postgres = new Option<string?>("--postgres") { Description = "examdb connection string, e.g. Host=127.0.0.1;Port=5432;Username=postgres;Password=...;Database=examdb (with --base-url)." };
        var examApiEnvironment = new Option<string[]>("--examapi-env") { Description = "With --graph: NAME=VALUE environment variable for ExamApi (repeatable), e.g. Logging__LogLevel__Default=Warning." };
        var concurrency = new Option<int>("--concurrency") { Description = "Closed loop: examinees in flight at once.", DefaultValueFactory = _ => defaults.Concurrency };
        var examinees = new Option<int>("--examinees") { Description = "Closed loop: examinees in total (0: until --duration).", DefaultValueFactory = _ => defaults.Examinees };
        var rate = new Option<double?>("--rate") { Description = "Open loop: answers per second at fixed intervals; latency counts from the scheduled time." };
        var duration = new Option<double?>("--duration") { Description = "Seconds: the open loop's length (default 10), the closed loop's limit (default 60)." };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of closed loop run first and left out of the figures (JIT, pools, caches).", DefaultValueFactory = _ => 0 };
        var settle = new Option<double>("--settle") { Description = "Open loop: seconds at the rate, once the pool is filled, left out of the figures (the pool's start is not steady state).", DefaultValueFactory = _ => 10 };
        var openSessions = new Option<int?>("--open-sessions") { Description = $"Open loop: active sessions (students), also the most answers in flight (default {LoadOptions.DefaultOpenSessions})." };
        var maxItems = new Option<int>("--max-items") { Description = "Exam length asked for at start.", DefaultValueFactory = _ => defaults.MaxItems };
        var seTarget = new Option<double?>("--se-target") { Description = "SE that ends an exam early." };
        var holdSessions = new Option<int>("--hold-sessions") { Description = "Sessions held open for the Redis bytes-per-session measurement (0: skip).", DefaultValueFactory = _ => 1000 };
        var holdAnswers = new Option<int>("--hold-answers") { Description = "Answers in each held session.", DefaultValueFactory = _ => defaults.HoldAnswers };
        var pgbenchSeconds = new Option<int>("--pgbench-seconds") { Description = "Seconds of pgbench single inserts on the same Postgres after the load (0: skip).", DefaultValueFactory = _ => 10 };
        var subject = new Option<string>("--subject") { Description = "The generator's subject (imported if it has no items).", DefaultValueFactory = _ => defaults.Subject };
        var seed = new Option<int>("--seed") { Description = "Seed of the examinees' abilities and answers.", DefaultValueFactory = _ => defaults.Seed };
        var retryFor = new Option<double>("--retry-for") { Description = "Seconds an examinee keeps re-sending a request refused as transient (a 5xx, no response).", DefaultValueFactory = _ => defaults.RetryFor.TotalSeconds };
        var json = new Option<string?>("--json") { Description = "Also write the report as JSON to FILE, or to stdout with '-' (progress and tables then go to stderr)." };

        var command = new RootCommand("loadgen: simulated examinees against the exam API; throughput, latency, Redis bytes per session, Postgres rows, verification, pgbench ceiling.")
        {
            graph, fastPostgres, examApiEnvironment, baseUrls, adminKey, redis, postgres, concurrency, examinees, rate, duration, warmup, settle, openSessions, maxItems, seTarget,
            holdSessions, holdAnswers, pgbenchSeconds, subject, seed, retryFor, json,
        };
        command.Subcommands.Add(Faults.FaultCli.CreateCommand());
        command.SetAction(async (parse, cancellationToken) =>
        {
            var jsonPath = parse.GetValue(json);
            var (console, live, plain) = CreateConsole(jsonPath);
            LoadOptions options;
            Dictionary<string, string> environment;
            try
            {
                var openRate = parse.GetValue(rate);
                options = new LoadOptions
                {
                    Subject = parse.GetValue(subject)!,
                    Concurrency = parse.GetValue(concurrency),
                    Examinees = parse.GetValue(examinees),
                    Rate = openRate,
                    Duration = TimeSpan.FromSeconds(parse.GetValue(duration) ?? (openRate is null ? 60 : 10)),
                    Warmup = TimeSpan.FromSeconds(parse.GetValue(warmup)),
                    Settle = TimeSpan.FromSeconds(openRate is null ? 0 : parse.GetValue(settle)),
                    OpenSessions = parse.GetValue(openSessions),
                    MaxItems = parse.GetValue(maxItems),
                    SeTarget = parse.GetValue(seTarget),
                    HoldSessions = parse.GetValue(holdSessions),
                    HoldAnswers = parse.GetValue(holdAnswers),
                    PgBenchSeconds = parse.GetValue(pgbenchSeconds),
                    Seed = parse.GetValue(seed),
                    RetryFor = TimeSpan.FromSeconds(parse.GetValue(retryFor)),
                };
                options.Validate();
                if (parse.GetValue(graph) == (parse.GetValue(baseUrls) is { Length: > 0 }))
                    throw new ArgumentException("give either --graph or --base-url.");
                environment = (parse.GetValue(examApiEnvironment) ?? []).Select(pair => pair.Split('=', 2)).ToDictionary(
                    pair => pair.Length == 2 && pair[0].Length > 0 ? pair[0] : throw new ArgumentException($"--examapi-env '{string.Join('=', pair)}' is not NAME=VALUE."),
                    pair => pair[1]);
                if (environment.Count > 0 && !parse.GetValue(graph)) throw new ArgumentException("--examapi-env needs --graph.");
                if (parse.GetValue(fastPostgres) && !parse.GetValue(graph)) throw new ArgumentException("--fast-postgres needs --graph.");
            }
            catch (ArgumentException error)
            {
                await Console.Error.WriteLineAsync($"loadgen: {error.Message}");
                return 2;
            }

            try
            {
                LoadReport report;
                if (parse.GetValue(graph))
                {
                    console.WriteLine("Starting the graph (Redis, Postgres, ExamApi, CleanupWorker)…");
                    await using var started = await TargetGraph.StartAsync(
                        $"loadgen-{Guid.NewGuid():N}", TimeSpan.FromSeconds(120), environment, durablePostgres: !parse.GetValue(fastPostgres), cancellationToken: cancellationToken);
                    report = await RunAsync(console, live, plain, started.Target, options, cancellationToken);
                }
                else
                {
                    var target = new ExamTarget(
                        [.. parse.GetValue(baseUrls)!.Select(url => new Uri(url, UriKind.Absolute))],
                        parse.GetValue(adminKey) ?? throw new ArgumentException("--base-url needs --admin-key."),
                        parse.GetValue(redis) ?? throw new ArgumentException("--base-url needs --redis."),
                        parse.GetValue(postgres) ?? throw new ArgumentException("--base-url needs --postgres."));
                    report = await RunAsync(console, live, plain, target, options, cancellationToken);
                }

                ConsoleReport.Write(console, report);
                if (jsonPath == "-") await Console.Out.WriteLineAsync(JsonSerializer.Serialize(report, ReportJson));
                else if (jsonPath is not null) await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(report, ReportJson), CancellationToken.None);
                return report.Verification.Passed ? 0 : 1;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("loadgen: cancelled; nothing reported.");
                return 2;
            }
            catch (Exception error) when (error is ArgumentException or UriFormatException or InvalidOperationException or DistributedApplicationException
                or HttpRequestException or Npgsql.NpgsqlException or StackExchange.Redis.RedisException)
            {
                await Console.Error.WriteLineAsync($"loadgen: {error.Message}");
                return 2;
            }
        });
        return command;
    }

    /// <summary>The console for progress and tables: stderr when the JSON report goes to stdout (<c>--json -</c>), plain when redirected.</summary>
    internal static (IAnsiConsole Console, bool Live, TextWriter Plain) CreateConsole(string? jsonPath)
    {
        var live = jsonPath == "-" ? !Console.IsErrorRedirected : !Console.IsOutputRedirected;
        var plain = jsonPath == "-" ? Console.Error : Console.Out;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(plain),
            Ansi = live ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = live ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        // Redirected output has no width; Spectre would wrap the tables at 80 columns.
        if (!live) console.Profile.Width = 160;
        return (console, live, plain);
    }

    private static async Task<LoadReport> RunAsync(IAnsiConsole console, bool live, TextWriter plain, ExamTarget target, LoadOptions options, CancellationToken cancellationToken)
    {
        var run = new LoadRun(target, options);
        var running = run.RunAsync(cancellationToken);
        await ConsoleReport.ShowProgressAsync(console, live, plain, run.Metrics, running);
        return await running;
    }
}
