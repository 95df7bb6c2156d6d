using System.Diagnostics;
using System.Globalization;

namespace LoadGenerator.Faults;

/// <summary>
/// Runs one fault scenario against a graph started in this process (<see cref="TargetGraph"/>), which it leaves as it
/// found it except for replica-kill (the killed replica stays down). redis-kill, postgres-restart, eviction and fuzz can
/// share one graph; replica-kill needs one with two ExamApi replicas.
/// </summary>
public static class FaultRun
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
    public static async Task<FaultReport> RunAsync(FaultScenario scenario, TargetGraph graph, FaultOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(options);
        var startedAt = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        var app = graph.Graph;
        using var failures = new UnhandledExceptionLog(app, "examapi");
        Func<CancellationToken, Task> StartAgain(string resource) => async token =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
            timeout.CancelAfter(HealthyTimeout);
            await app.StartAsync(resource, cancellationToken: timeout.Token);
        };
        LoadReport? load = null;
        FuzzSummary? fuzz = null;
        List<FaultCheck> checks;
        Dictionary<string, double> figures;
        switch (scenario)
        {
            case FaultScenario.RedisKill:
                (load, checks, figures) = await LoadUnderFault.RunAsync(graph.Target, options, new Fault(
                    token => app.KillAsync("cache", cancellationToken: token), StartAgain("cache")), cancellationToken);
                break;
            case FaultScenario.PostgresRestart:
                (load, checks, figures) = await LoadUnderFault.RunAsync(graph.Target, options, new Fault(
                    token => app.StopAsync("postgres", cancellationToken: token), StartAgain("postgres")), cancellationToken);
                // With Postgres down nothing can be recorded, so nothing new may be acknowledged (a resent answer recorded
                // before the stop may be answered again); the refusals are 503s.
                var acknowledgedWhileDown = figures["answersWhileFaulted"];
                var replayed = figures["answersWhileFaultedRecordedBeforeIt"];
                var refused = load.Errors.GetValueOrDefault("answer 503");
                checks.Add(new FaultCheck("answers during the outage got 503 and were not acknowledged", acknowledgedWhileDown == replayed && refused > 0,
                    $"{acknowledgedWhileDown} answers acknowledged while Postgres was down, {replayed} of them recorded before it stopped; {refused} answers refused with 503"));
                var otherServerErrors = load.Errors.Where(e => e.Key.Split(' ')[^1] is ['5', _, _] status && status != "503").ToArray();
                checks.Add(new FaultCheck("Postgres being down is a 503, never another 5xx", otherServerErrors.Length == 0,
                    otherServerErrors.Length == 0 ? "none" : string.Join("; ", otherServerErrors.Select(e => $"{e.Key} × {e.Value}: {load.ErrorExamples.GetValueOrDefault(e.Key)}"))));
                break;
            case FaultScenario.ReplicaKill:
                if (graph.Target.BaseUrls.Count < 2) throw new InvalidOperationException("replica-kill needs a graph with two ExamApi replicas.");
                (load, checks, figures) = await LoadUnderFault.RunAsync(graph.Target, options, new Fault(
                    token => app.KillAsync("examapi", replica: 1, cancellationToken: token), null), cancellationToken);
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
            ExamApiFailures = failures.Stop(),
        };
    }

}
