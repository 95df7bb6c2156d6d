using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace LoadGenerator.Faults;

/// <summary>
/// <c>loadgen fault SCENARIO --graph [--short]</c>: runs a fault scenario (or <c>all</c> of them) against a graph it
/// starts itself and prints a pass/fail report. Exit code 0 when every check passed, 1 when one failed, 2 for bad
/// options or a run that could not complete.
/// </summary>
public static class FaultCli
{
    private static readonly JsonSerializerOptions ReportJson = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    // The scenarios that restore what they change share one graph; replica-kill gets its own with two replicas.
    private static readonly FaultScenario[] All =
        [FaultScenario.RedisKill, FaultScenario.PostgresRestart, FaultScenario.Eviction, FaultScenario.Fuzz, FaultScenario.ReplicaKill];

    /// <summary>The <c>fault</c> command.</summary>
    public static Command CreateCommand()
    {
        var defaults = new FaultOptions();
        var scenario = new Argument<string>("scenario")
        {
            Description = "redis-kill, postgres-restart, replica-kill, eviction, fuzz, or all.",
        };
        scenario.AcceptOnlyFromAmong([.. All.Select(FaultRun.Name), "all"]);
        var graph = new Option<bool>("--graph") { Description = "Start the graph in process (required: the scenarios kill and restart its servers)." };
        var isShort = new Option<bool>("--short") { Description = "The short form (CI): each scenario under a minute. Without it, the full form with longer load and outages." };
        var seed = new Option<int>("--seed") { Description = "Seed of the examinees and the fuzzed requests.", DefaultValueFactory = _ => defaults.Seed };
        var concurrency = new Option<int>("--concurrency") { Description = "Examinees (or fuzzed requests) in flight.", DefaultValueFactory = _ => defaults.Concurrency };
        var fuzzRequests = new Option<int?>("--fuzz-requests") { Description = "Fuzzed requests (default 10000 with --short, else 100000)." };
        var json = new Option<string?>("--json") { Description = "Also write the reports as JSON to FILE, or to stdout with '-' (the tables then go to stderr)." };
        var command = new Command("fault", "Fault scenarios under load: Redis killed, Postgres restarted, an ExamApi replica killed, Redis evicting, fuzzed requests.")
        {
            scenario, graph, isShort, seed, concurrency, fuzzRequests, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var jsonPath = parse.GetValue(json);
            var console = LoadCli.CreateConsole(jsonPath).Console;
            if (!parse.GetValue(graph))
            {
                await Console.Error.WriteLineAsync("loadgen fault: give --graph (the scenarios start their own graph to kill and restart its servers).");
                return 2;
            }
            var options = new FaultOptions
            {
                Short = parse.GetValue(isShort),
                Seed = parse.GetValue(seed),
                Concurrency = parse.GetValue(concurrency),
                FuzzRequests = parse.GetValue(fuzzRequests),
            };
            if (options.Concurrency is < 1 or > 1000 || options.FuzzRequestCount is < 1 or > 1_000_000)
            {
                await Console.Error.WriteLineAsync("loadgen fault: concurrency must be 1 to 1000, fuzz requests 1 to 1000000.");
                return 2;
            }
            var name = parse.GetValue(scenario)!;
            var scenarios = name == "all" ? All : All.Where(s => FaultRun.Name(s) == name).ToArray();
            try
            {
                var reports = new List<FaultReport>();
                foreach (var replicas in scenarios.Select(FaultRun.ReplicasFor).Distinct())
                {
                    console.WriteLine($"Starting the graph ({replicas} ExamApi replica{(replicas == 1 ? "" : "s")})…");
                    await using var started = await TargetGraph.StartAsync($"loadgen-{Guid.NewGuid():N}", TimeSpan.FromSeconds(120), examApiReplicas: replicas, cancellationToken: cancellationToken);
                    foreach (var each in scenarios.Where(s => FaultRun.ReplicasFor(s) == replicas))
                    {
                        console.WriteLine($"Running {FaultRun.Name(each)} ({(options.Short ? "short" : "full")})…");
                        var report = await FaultRun.RunAsync(each, started, options, cancellationToken);
                        Write(console, report);
                        reports.Add(report);
                    }
                }
                if (jsonPath == "-") await Console.Out.WriteLineAsync(JsonSerializer.Serialize(reports, ReportJson));
                else if (jsonPath is not null) await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(reports, ReportJson), CancellationToken.None);
                return reports.All(r => r.Passed) ? 0 : 1;
            }
            catch (Exception error) when (error is InvalidOperationException or TimeoutException or Aspire.Hosting.DistributedApplicationException)
            {
                await Console.Error.WriteLineAsync($"loadgen fault: {error.Message}");
                return 2;
            }
        });
        return command;
    }

    private static void Write(IAnsiConsole console, FaultReport report)
    {
        var checks = new Table().Title($"{report.Scenario} ({(report.Short ? "short" : "full")}, {report.Seconds:F1} s): {(report.Passed ? "PASS" : "FAIL")}")
            .AddColumn("check").AddColumn("result").AddColumn("numbers");
        foreach (var check in report.Checks) checks.AddRow(Markup.Escape(check.Name), check.Passed ? "pass" : "FAIL", Markup.Escape(check.Detail));
        console.Write(checks);
        var figures = new Table().AddColumn("figure").AddColumn(new TableColumn("value").RightAligned());
        foreach (var (name, value) in report.Figures) figures.AddRow(Markup.Escape(name), value.ToString("0.###", CultureInfo.InvariantCulture));
        console.Write(figures);
        foreach (var line in report.ExamApiFailures) console.WriteLine("examapi: " + line);
    }
}
