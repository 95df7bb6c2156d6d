using LoadGenerator.Faults;

namespace LoadGenerator.Tests;

/// <summary>
/// The fault scenarios in their short form (as <c>loadgen fault NAME --graph --short</c> runs them) on the load tests'
/// graph: each restores what it breaks, so they share it with the load runs.
/// </summary>
[Collection(LoadGraphCollection.Name)]
public sealed class FaultScenarioTests(LoadGraphFixture graph)
{
    private Task<FaultReport> RunShortAsync(FaultScenario scenario) => FaultRun.RunAsync(scenario, graph.Graph, new FaultOptions { Short = true });

    [Fact]
    public async Task Redis_killed_and_restarted_under_load_loses_nothing_and_every_exam_finishes()
    {
        var report = await RunShortAsync(FaultScenario.RedisKill);

        Assert.True(report.Passed, Describe(report));
        // ExamApi kept recording from Postgres while Redis was dead.
        Assert.True(report.Figures["answersWhileFaulted"] > 0, Describe(report));
    }

    [Fact]
    public async Task Postgres_restarted_under_load_refuses_with_503_and_then_finishes_every_exam_exactly_once()
    {
        var report = await RunShortAsync(FaultScenario.PostgresRestart);

        Assert.True(report.Passed, Describe(report));
        Assert.Equal(0, report.Figures["answersWhileFaulted"]);
        Assert.True(report.Figures["errors.answer 503"] > 0, Describe(report));
    }

    [Fact]
    public async Task Redis_evicting_under_load_rebuilds_sessions_from_postgres_and_loses_nothing()
    {
        var report = await RunShortAsync(FaultScenario.Eviction);

        Assert.True(report.Passed, Describe(report));
        Assert.True(report.Figures["evictedKeys"] > 0, Describe(report));
    }

    [Fact]
    public async Task Ten_thousand_fuzzed_requests_get_no_5xx_and_change_nothing()
    {
        var report = await RunShortAsync(FaultScenario.Fuzz);

        Assert.True(report.Passed, Describe(report));
        Assert.Equal(10_000, report.Fuzz!.Requests);
        Assert.Equal(report.Fuzz.Before, report.Fuzz.After);
    }

    internal static string Describe(FaultReport report) =>
        string.Join("\n", report.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}")
            .Concat(report.Figures.Select(f => $"{f.Key} = {f.Value}"))
            .Concat(report.ExamApiFailures.Select(line => "examapi: " + line)));
}

/// <summary>replica-kill in its short form on a graph of its own with two ExamApi replicas.</summary>
[Collection(ReplicaGraphCollection.Name)]
public sealed class ReplicaKillTests(ReplicaGraphFixture graph)
{
    [Fact]
    public async Task A_replica_killed_under_load_leaves_the_exams_to_the_other_without_duplicates()
    {
        Assert.Equal(2, graph.Target.BaseUrls.Count);

        var report = await FaultRun.RunAsync(FaultScenario.ReplicaKill, graph.Graph, new FaultOptions { Short = true });

        Assert.True(report.Passed, FaultScenarioTests.Describe(report));
        Assert.True(report.Load!.ConnectionRetries > 0);
    }
}

/// <summary>The fuzzer's requests without a graph: seeded, spread over every endpoint, never a valid write with the admin key.</summary>
public sealed class FuzzCaseTests
{
    private static readonly FuzzTargets Targets = new("subject", [11, 12, 13], Guid.NewGuid(), "active-token", 12, Guid.NewGuid(), "completed-token", "student", "student-token", "admin-key-0123456789");

    [Fact]
    public void The_same_seed_gives_the_same_requests_and_every_endpoint_gets_its_share()
    {
        var first = new FuzzCases(Targets, seed: 7);
        var second = new FuzzCases(Targets, seed: 7);
        var cases = Enumerable.Range(0, 1900).Select(first.Create).ToArray();

        Assert.All(Enumerable.Range(0, 1900), n => Assert.Equal(Fingerprint(cases[n]), Fingerprint(second.Create(n))));
        Assert.Equal(first.Endpoints.Order(StringComparer.Ordinal), cases.Select(c => c.Endpoint).Distinct().Order(StringComparer.Ordinal));
        Assert.All(cases.GroupBy(c => c.Endpoint), group => Assert.Equal(100, group.Count()));
    }

    [Fact]
    public void No_request_retires_a_real_item_or_completes_the_active_session_with_valid_credentials()
    {
        var cases = Enumerable.Range(0, 5000).Select(new FuzzCases(Targets, seed: 3).Create).ToArray();

        // HTTP trims header values: a key with spaces around it is the key.
        Assert.DoesNotContain(cases, c => c.Method != HttpMethod.Get && c.AdminKeys.Length == 1 && c.AdminKeys[0] != Targets.AdminKey && c.AdminKeys[0].Trim() == Targets.AdminKey);
        Assert.DoesNotContain(cases, c => c.Endpoint == "POST /api/items/{id}/retire" && c.AdminKeys is ["admin-key-0123456789"]
            && Targets.ItemIds.Any(id => c.Path == $"/api/items/{id}/retire"));
        Assert.DoesNotContain(cases, c => c.Endpoint == "POST /api/adaptive/complete" && c.Authorization == "Bearer active-token"
            && c.Body is { } body && System.Text.Encoding.UTF8.GetString(body) == $"{{\"sessionId\":\"{Targets.ActiveSession}\"}}");
        // A token request with the admin key always has a student id or a body the endpoint refuses.
        Assert.DoesNotContain(cases, c => c.Endpoint == "POST /api/students/{studentId}/tokens" && c.AdminKeys is ["admin-key-0123456789"]
            && c.Path.Length < 40 && c.Path != "/api/students/%20/tokens" && c.Path != "/api/students/%20%20/tokens"
            && (c.Body is null || System.Text.Encoding.UTF8.GetString(c.Body) is "{}" or "{\"lifetimeSeconds\":60}"));
        Assert.Contains(cases, c => c.Endpoint == "POST /api/adaptive/start" && c.Authorization == "Bearer student-token");
    }

    private static string Fingerprint(FuzzCase fuzz) =>
        $"{fuzz.Method} {fuzz.Path} {fuzz.Authorization} {string.Join('|', fuzz.AdminKeys)} {fuzz.ContentType} {Convert.ToBase64String(fuzz.Body ?? [])}";
}
