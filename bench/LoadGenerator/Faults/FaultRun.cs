using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace LoadGenerator.Faults;

/// <summary>
/// Runs one fault scenario against a graph started in this process (<see cref="ExamGraph"/>), which it leaves as it
/// found it except for replica-kill (the killed replica stays down). redis-kill, postgres-restart, eviction and fuzz can
/// share one graph; replica-kill needs one with two ExamApi replicas.
/// </summary>
public static partial class FaultRun
{
    private static readonly TimeSpan HealthyTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The command name of a scenario ("redis-kill").</summary>
    public static string Name(FaultScenario scenario) => scenario switch
    {
        FaultScenario.RedisKill => "redis-kill",
        FaultScenario.PostgresRestart => "postgres-restart",
        FaultScenario.ReplicaKill => "replica-kill",
        FaultScenario.Eviction => "eviction",
        FaultScenario.Fuzz => "fuzz",
        _ => throw new ArgumentOutOfRangeException(nameof(scenario), scenario, null),
    };

    /// <summary>ExamApi replicas the scenario's graph needs.</summary>
    public static int ReplicasFor(FaultScenario scenario) => scenario == FaultScenario.ReplicaKill ? 2 : 1;

    /// <summary>Runs <paramref name="scenario"/> and reports it.</summary>
    public static async Task<FaultReport> RunAsync(FaultScenario scenario, ExamGraph graph, FaultOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(options);
        var startedAt = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        var app = graph.App;
        LoadReport? load = null;
        FuzzSummary? fuzz = null;
        List<FaultCheck> checks;
        Dictionary<string, double> figures;
        switch (scenario)
        {
            case FaultScenario.RedisKill:
                (load, checks, figures) = await LoadUnderFault.RunAsync(graph.Target, options, new Fault(
                    _ => app.KillResourceAsync("cache"),
                    async token =>
                    {
                        await app.StartResourceAsync("cache");
                        await app.WaitForResourceHealthyAsync("cache", HealthyTimeout, token);
                    }), cancellationToken);
                break;
            case FaultScenario.PostgresRestart:
                (load, checks, figures) = await LoadUnderFault.RunAsync(graph.Target, options, new Fault(
                    _ => app.StopResourceAsync("postgres"),
                    async token =>
                    {
                        await app.StartResourceAsync("postgres");
                        await app.WaitForResourceHealthyAsync("postgres", HealthyTimeout, token);
                    }), cancellationToken);
                // With Postgres down nothing can be recorded, so nothing new may be acknowledged (a resent answer recorded
                // before the stop may be answered again); the refusals are 503s.
                var acknowledgedWhileDown = figures["answersWhileFaulted"];
                var replayed = figures["answersWhileFaultedRecordedBeforeIt"];
                var refused = load.Errors.GetValueOrDefault("answer 503");
                checks.Add(new FaultCheck("answers during the outage got 503 and were not acknowledged", acknowledgedWhileDown == replayed && refused > 0,
                    $"{acknowledgedWhileDown} answers acknowledged while Postgres was down, {replayed} of them recorded before it stopped; {refused} answers refused with 503"));
                break;
            case FaultScenario.ReplicaKill:
                if (graph.Target.BaseUrls.Count < 2) throw new InvalidOperationException("replica-kill needs a graph with two ExamApi replicas.");
                (load, checks, figures) = await LoadUnderFault.RunAsync(graph.Target, options, new Fault(
                    _ => app.KillResourceAsync("examapi", 1), null), cancellationToken);
                checks.Add(new FaultCheck("exams continued on the other replica", figures["answersAfterRecovery"] > 0 && load.ConnectionRetries > 0,
                    $"{figures["answersAfterRecovery"]} answers after the kill; {load.ConnectionRetries} requests re-sent to the other replica"));
                break;
            case FaultScenario.Eviction:
                (load, checks, figures) = await RedisEviction.RunAsync(graph.Target, options, cancellationToken);
                break;
            case FaultScenario.Fuzz:
                (fuzz, checks, figures) = await Fuzzer.RunAsync(graph.Target, options, cancellationToken);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(scenario), scenario, null);
        }
        if (load is not null) LoadUnderFault.AddErrors(figures, load);

        return new FaultReport
        {
            Scenario = Name(scenario),
            Short = options.Short,
            StartedAt = startedAt,
            Seconds = clock.Elapsed.TotalSeconds,
            Checks = checks,
            Figures = new SortedDictionary<string, double>(figures, StringComparer.Ordinal),
            Load = load,
            Fuzz = fuzz,
            ExamApiFailures = Failures(app.GetResource("examapi").Log.Tail(500)),
        };
    }

    // ASP.NET Core's console logger writes "fail: Category[id]" and then the message and stack indented below it, up
    // to the next entry's level prefix.
    private static List<string> Failures(IReadOnlyList<string> raw)
    {
        const int MaxLines = 80;
        // The child's console logger may colour the level ("\e[41m\e[30mfail\e[39m…: ").
        var log = raw.Select(line => AnsiEscape().Replace(line, "")).ToArray();
        string[] levels = ["trce: ", "dbug: ", "info: ", "warn: ", "fail: ", "crit: "];
        bool Starts(string line, int from) => levels.Skip(from).Any(level => line.Contains(level, StringComparison.Ordinal));
        var lines = new List<string>();
        for (var n = 0; n < log.Length && lines.Count < MaxLines; n++)
        {
            if (!Starts(log[n], from: 4)) continue;
            lines.Add(log[n]);
            for (var k = n + 1; k < log.Length && !Starts(log[k], from: 0) && lines.Count < MaxLines; k++) lines.Add(log[k]);
        }
        return lines;
    }

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex AnsiEscape();
}
