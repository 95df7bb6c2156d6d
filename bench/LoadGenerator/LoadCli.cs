using System.CommandLine;
using Aspire.Hosting;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace LoadGenerator;

/// <summary>
/// <c>loadgen</c>: simulated examinees (and, with a practice share, practising students) against the whole graph started
/// in process (<c>--graph</c>) or a running deployment (<c>--base-url</c>, repeatable, with its admin key, Redis and
/// Postgres). Exit code 0 when the verification passed, 1 when it did not, 2 for bad options or a failed run.
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
        var targetArguments = new TargetArguments();
        var concurrency = new Option<int>("--concurrency") { Description = "Closed loop: students (exams or practice sessions) in flight at once.", DefaultValueFactory = _ => defaults.Concurrency };
        var examinees = new Option<int>("--examinees") { Description = "Closed loop: students (exams and practice sessions) in total (0: until --duration).", DefaultValueFactory = _ => defaults.Examinees };
        var rate = new Option<double?>("--rate") { Description = "Open loop: answers per second at fixed intervals; latency counts from the scheduled time." };
        var duration = new Option<double?>("--duration") { Description = "Seconds: the open loop's length (default 10), the closed loop's limit (default 60)." };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of closed loop run first and left out of the figures (JIT, pools, caches).", DefaultValueFactory = _ => 0 };
        var settle = new Option<double>("--settle") { Description = "Open loop: seconds at the rate, once the pool is filled, left out of the figures (the pool's start is not steady state).", DefaultValueFactory = _ => 10 };
        var openSessions = new Option<int?>("--open-sessions") { Description = $"Open loop: active sessions (students), also the most answers in flight (default {LoadOptions.DefaultOpenSessions})." };
        var practiceShare = new Option<double>("--practice-share") { Description = "Closed loop: share of students (0 to 1) who run a practice session instead of an exam, as students of the run who completed an exam.", DefaultValueFactory = _ => 0 };
        var maxItems = new Option<int>("--max-items") { Description = "Maximum length of the exam design the run creates and starts every exam on.", DefaultValueFactory = _ => defaults.MaxItems };
        var seTarget = new Option<double?>("--se-target") { Description = "SE target of that design (ends an exam early)." };
        var holdSessions = new Option<int>("--hold-sessions") { Description = "Sessions held open for the Redis bytes-per-session measurement (0: skip).", DefaultValueFactory = _ => 1000 };
        var holdAnswers = new Option<int>("--hold-answers") { Description = "Answers in each held session.", DefaultValueFactory = _ => defaults.HoldAnswers };
        var pgbenchSeconds = new Option<int>("--pgbench-seconds") { Description = "Seconds of pgbench single inserts on the same Postgres after the load (0: skip).", DefaultValueFactory = _ => 10 };
        var subject = new Option<string>("--subject") { Description = "The generator's subject (imported if it has no items).", DefaultValueFactory = _ => defaults.Subject };
        var seed = new Option<int>("--seed") { Description = "Seed of the examinees' abilities and answers.", DefaultValueFactory = _ => defaults.Seed };
        var retryFor = new Option<double>("--retry-for") { Description = "Seconds an examinee keeps re-sending a request refused as transient (a 5xx, no response).", DefaultValueFactory = _ => defaults.RetryFor.TotalSeconds };
        var json = new Option<string?>("--json") { Description = "Also write the report as JSON to FILE, or to stdout with '-' (progress and tables then go to stderr)." };

        var command = new RootCommand("loadgen: simulated examinees against the exam API; throughput, latency, Redis bytes per session, Postgres rows, verification, pgbench ceiling.")
        {
            concurrency, examinees, rate, duration, warmup, settle, openSessions, practiceShare, maxItems, seTarget,
            holdSessions, holdAnswers, pgbenchSeconds, subject, seed, retryFor, json,
        };
        targetArguments.AddTo(command);
        command.Subcommands.Add(Faults.FaultCli.CreateCommand());
        command.Subcommands.Add(Practice.GenerationCli.CreateCommand());
        command.SetAction(async (parse, cancellationToken) =>
        {
            var jsonPath = parse.GetValue(json);
            var (console, live, plain) = CreateConsole(jsonPath);
            LoadOptions options;
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
                    PracticeShare = parse.GetValue(practiceShare),
                    MaxItems = parse.GetValue(maxItems),
                    SeTarget = parse.GetValue(seTarget),
                    HoldSessions = parse.GetValue(holdSessions),
                    HoldAnswers = parse.GetValue(holdAnswers),
                    PgBenchSeconds = parse.GetValue(pgbenchSeconds),
                    Seed = parse.GetValue(seed),
                    RetryFor = TimeSpan.FromSeconds(parse.GetValue(retryFor)),
                };
                options.Validate();
                targetArguments.Validate(parse);
            }
            catch (ArgumentException error)
            {
                await Console.Error.WriteLineAsync($"loadgen: {error.Message}");
                return 2;
            }

            try
            {
                var report = await targetArguments.RunAsync(parse, console, target => RunAsync(console, live, plain, target, options, cancellationToken), cancellationToken);
                ConsoleReport.Write(console, report);
                if (jsonPath == "-") await Console.Out.WriteLineAsync(JsonSerializer.Serialize(report, ReportJson));
                else if (jsonPath is not null) await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(report, ReportJson), CancellationToken.None);
                return report.Passed ? 0 : 1;
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
