using System.Diagnostics;
using System.Net;
using Aspire.Hosting.Testing;
using ExamStore.Bank;
using ExamStore.HotState;
using StackExchange.Redis;

namespace ExamApi.Tests;

/// <summary>
/// The whole graph on a Redis Cluster of 3 masters with a replica each (<c>AppHost:RedisCluster:Masters</c>): a session's
/// keys share a slot while sessions spread over the masters; the activity index, the statistics, the question cache
/// and item change notifications work across slots; and killing nodes mid-exam loses no acknowledged answer, with a
/// replica taking over or, without one, with Postgres serving until the node is back and the sessions rebuild.
/// </summary>
[Collection(ClusterGraphCollection.Name)]
public sealed class RedisClusterTests(ClusterGraphFixture fixture)
{
    private const int Nodes = 6;
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(45);
    private readonly ExamClient client = new(fixture.CreateClient());

    [Fact]
    public async Task Sessions_spread_over_the_masters_and_every_view_adds_up_across_slots()
    {
        // The kill tests of this graph may have run just before: start once the API writes to Redis again.
        await AssertNewExamsUseRedisAsync();
        var exams = new List<(StartedExam Exam, EngineReplica Engine)>();
        for (var k = 0; k < 12; k++)
        {
            var exam = await client.StartExamAsync("test-physics", maxItems: 12);
            var engine = new EngineReplica(fixture.Bank, "test-physics", 12, null, exam.FirstItemId);
            for (var answer = 0; answer < 2; answer++) await engine.AnswerAndCheckAsync(client, exam, trueTheta: 0.4);
            exams.Add((exam, engine));
        }

        var topology = await TopologyAsync();
        Assert.Equal(3, topology.Nodes.Count(node => !node.IsReplica && node.IsConnected));
        Assert.Equal(3, topology.Nodes.Count(node => node.IsReplica && node.IsConnected));
        foreach (var (exam, _) in exams)
        {
            Assert.Equal(fixture.Redis.HashSlot(SessionStateStore.StateKey(exam.SessionId)), fixture.Redis.HashSlot(SessionStateStore.LockKey(exam.SessionId)));
            Assert.True(await fixture.Redis.GetDatabase().KeyExistsAsync(SessionStateStore.StateKey(exam.SessionId)));
        }

        // Twelve random sessions all on one of three masters: 3 × (1/3)^12 ≈ 6e-6.
        var owners = exams.Select(e => PortOf(topology.GetBySlot(SessionStateStore.StateKey(e.Exam.SessionId))!.EndPoint)).Distinct().Count();
        Assert.True(owners >= 2, $"all sessions on {owners} master(s)");

        var active = await client.GetAsync("/api/adaptive/active?limit=1000", null, ExamGraphFixture.AdminKey);
        Assert.True(active.Status == HttpStatusCode.OK, active.Body);
        var listed = active.Json!["sessions"]!.AsArray().Select(s => Guid.Parse(s!["sessionId"]!.GetValue<string>())).ToHashSet();
        Assert.All(exams, e => Assert.Contains(e.Exam.SessionId, listed));
        var listedExam = active.Json["sessions"]!.AsArray().First(s => s!["sessionId"]!.GetValue<string>() == exams[0].Exam.SessionId.ToString())!;
        Assert.Equal(2, listedExam["answered"]!.GetValue<int>());

        // The statistics add up every master: compare with what each master holds.
        var stats = await client.GetAsync("/api/debug/redis/stats", null, ExamGraphFixture.AdminKey);
        Assert.True(stats.Status == HttpStatusCode.OK, stats.Body);
        var masters = RedisPrimaries.Of(fixture.Redis);
        Assert.Equal(3, masters.Count);
        long keys = 0, questions = 0;
        foreach (var master in masters)
        {
            keys += await master.DatabaseSizeAsync();
            await foreach (var _ in master.KeysAsync(pattern: "question:*")) questions++;
        }

        Assert.True(questions > 0);
        Assert.Equal(questions, stats.Json!["cachedQuestions"]!.GetValue<long>());
        Assert.Equal(keys, stats.Json["totalKeys"]!.GetValue<long>());
        Assert.True(stats.Json["activeSessions"]!.GetValue<long>() >= exams.Count);
        var cacheStats = await client.GetAsync("/api/cache/stats", null, ExamGraphFixture.AdminKey);
        Assert.True(cacheStats.Status == HttpStatusCode.OK, cacheStats.Body);
    }

    [Fact]
    public async Task An_import_forgets_questions_in_many_slots_without_taking_redis_out_of_the_answer_path()
    {
        var admin = new AdminApi(client);
        var subject = AdminApi.NewSubject("cluster");
        await admin.ImportAsync(Enumerable.Range(0, 10).Select(n => AdminApi.Item(subject, n: n, b: (n - 5) / 2.0)));
        var design = await client.DesignAsync(subject, maxItems: 5);

        // The import's new item ids' question keys are in different slots; one multi-key DEL would fail with CROSSSLOT,
        // and the failure would make the API skip Redis for a while: the exam started right after would have no hot state.
        // That happens on every import, so three tries tell it from a node still settling after the kill tests.
        await AssertNewExamsUseRedisAsync();
        var withHotState = 0;
        for (var attempt = 0; attempt < 3 && withHotState == 0; attempt++)
        {
            await admin.ImportAsync(Enumerable.Range(10 + 10 * attempt, 10).Select(n => AdminApi.Item(subject, n: n, b: (n % 10 - 5) / 2.0)));
            var started = await client.StartAsync(new { studentId = $"cluster-importer-{attempt}", designId = design });
            Assert.True(started.Status == HttpStatusCode.Created, started.Body);
            var sessionId = Guid.Parse(started.Json!["sessionId"]!.GetValue<string>());
            if (await fixture.Redis.GetDatabase().KeyExistsAsync(SessionStateStore.StateKey(sessionId))) withHotState++;
        }

        Assert.True(withHotState > 0, "no exam started right after an import has hot state");
    }

    [Fact]
    public async Task An_item_change_published_through_any_node_reaches_the_api()
    {
        await AssertNewExamsUseRedisAsync();
        var admin = new AdminApi(client);
        var subject = AdminApi.NewSubject("cluster-notify");
        var items = await admin.ImportAsync(Enumerable.Range(0, 10).Select(n => AdminApi.Item(subject, n: n, b: (n - 5) / 2.0)));
        var fiveItems = await client.DesignAsync(subject, maxItems: 5);
        Assert.Equal(HttpStatusCode.Created, (await client.StartAsync(new { studentId = "cluster-n1", designId = fiveItems })).Status);

        // Another instance's change: rows and version move in Postgres, and only the notification tells this API.
        var retired = items.Take(6).Select(i => i!["id"]!.GetValue<long>()).ToArray();
        await fixture.ExecuteAsync("UPDATE items SET status = 'retired' WHERE id = ANY($1)", retired);
        await fixture.ExecuteAsync("UPDATE item_bank_versions SET version = version + 1 WHERE subject = $1", subject);
        await fixture.Redis.GetSubscriber().PublishAsync(ItemChangeNotifications.Channel, subject);

        // Well inside the bank cache's 10 s version recheck, so only the notification can have refreshed it.
        var clock = Stopwatch.StartNew();
        ApiResponse tooLong;
        do
        {
            tooLong = await client.StartAsync(new { studentId = "cluster-n2", designId = fiveItems });
            if (tooLong.Status == HttpStatusCode.Conflict) break;
            await Task.Delay(100);
        }
        while (clock.Elapsed < TimeSpan.FromSeconds(4));
        Assert.True(tooLong.Status == HttpStatusCode.Conflict, $"the API still serves the old bank: {(int)tooLong.Status} {tooLong.Body}");
    }

    [Fact]
    public async Task A_master_killed_mid_exam_fails_over_to_its_replica_and_no_acknowledged_answer_is_lost()
    {
        var exams = await StartExamsAsync(8, answers: 3);
        var topology = await TopologyAsync();
        var victim = MostLoadedMaster(topology, exams);

        await fixture.Graph.KillAsync(victim);
        foreach (var (exam, engine) in exams)
        {
            while (engine.CurrentItemId is not null) await engine.AnswerAndCheckAsync(client, exam, trueTheta: -0.2);
        }

        await AssertEveryAnswerRecordedAsync(exams);
        var after = await WaitClusterOkAsync();
        Assert.DoesNotContain(after.Nodes, node => !node.IsReplica && node.IsConnected && PortOf(node.EndPoint) == PortOf(victim));

        // Back, the old master rejoins as a replica of the one that took over.
        using var recovery = new CancellationTokenSource(RecoveryTimeout);
        await fixture.Graph.StartAsync(victim, cancellationToken: recovery.Token);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var rejoined = await TopologyAsync();
            if (rejoined.Nodes.Any(node => node.IsReplica && node.IsConnected && PortOf(node.EndPoint) == PortOf(victim))) break;
            Assert.True(clock.Elapsed < RecoveryTimeout, $"{victim} did not rejoin as a replica");
            await Task.Delay(250);
        }

        await AssertNewExamsUseRedisAsync();
    }

    [Fact]
    public async Task A_master_lost_with_its_replica_leaves_exams_on_postgres_and_they_rebuild_when_the_nodes_are_back()
    {
        var exams = await StartExamsAsync(6, answers: 2);
        var topology = await TopologyAsync();
        var master = MostLoadedMaster(topology, exams);
        var masterNode = topology.Nodes.Single(node => PortOf(node.EndPoint) == PortOf(master));
        var replica = NodeName(topology.Nodes.Single(node => node.IsReplica && node.ParentNodeId == masterNode.NodeId).EndPoint);

        await fixture.Graph.KillAsync(master);
        await fixture.Graph.KillAsync(replica);
        try
        {
            // No copy of those slots is left: the cluster refuses every command, and the answers go to Postgres alone.
            foreach (var (exam, engine) in exams)
            {
                for (var k = 0; k < 3; k++) await engine.AnswerAndCheckAsync(client, exam, trueTheta: 0.8);
            }
        }
        finally
        {
            using var recovery = new CancellationTokenSource(RecoveryTimeout);
            await fixture.Graph.StartAsync(master, cancellationToken: recovery.Token);
            await fixture.Graph.StartAsync(replica, cancellationToken: recovery.Token);
        }

        await WaitClusterOkAsync();
        // The nodes came back empty: the sessions they held are rebuilt from Postgres, with the Engine's θ bit for bit.
        foreach (var (exam, engine) in exams)
        {
            while (engine.CurrentItemId is not null) await engine.AnswerAndCheckAsync(client, exam, trueTheta: 0.8);
        }

        await AssertEveryAnswerRecordedAsync(exams);
        await AssertNewExamsUseRedisAsync();
    }

    private async Task<List<(StartedExam Exam, EngineReplica Engine)>> StartExamsAsync(int count, int answers)
    {
        var exams = new List<(StartedExam, EngineReplica)>();
        for (var k = 0; k < count; k++)
        {
            var exam = await client.StartExamAsync("test-math", maxItems: 10);
            var engine = new EngineReplica(fixture.Bank, "test-math", 10, null, exam.FirstItemId);
            for (var answer = 0; answer < answers; answer++) await engine.AnswerAndCheckAsync(client, exam, trueTheta: 0.3);
            exams.Add((exam, engine));
        }

        return exams;
    }

    // Every answer the API acknowledged is a row in Postgres, and the session ended where the Engine ended it.
    private async Task AssertEveryAnswerRecordedAsync(IEnumerable<(StartedExam Exam, EngineReplica Engine)> exams)
    {
        foreach (var (exam, engine) in exams)
        {
            Assert.Equal(engine.State.Count, await fixture.AttemptCountAsync(exam.SessionId));
            var status = await client.GetAsync($"/api/adaptive/{exam.SessionId}", exam.Token);
            Assert.True(status.Status == HttpStatusCode.OK, status.Body);
            Assert.Equal(engine.State.Count, status.Json!["answered"]!.GetValue<int>());
        }
    }

    private async Task AssertNewExamsUseRedisAsync()
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            // The API skips Redis for a moment after a failure; then a new exam's state is written there again.
            var exam = await client.StartExamAsync("test-physics", maxItems: 5);
            if (await fixture.Redis.GetDatabase().KeyExistsAsync(SessionStateStore.StateKey(exam.SessionId))) return;
            Assert.True(clock.Elapsed < RecoveryTimeout, "new exams do not reach Redis after the cluster recovered");
            await Task.Delay(500);
        }
    }

    // The master holding most of the exams' sessions, as its resource name.
    private string MostLoadedMaster(ClusterConfiguration topology, IEnumerable<(StartedExam Exam, EngineReplica Engine)> exams) =>
        exams.GroupBy(e => PortOf(topology.GetBySlot(SessionStateStore.StateKey(e.Exam.SessionId))!.EndPoint))
            .OrderByDescending(group => group.Count()).Select(group => NodeName(group.Key)).First();

    private async Task<ClusterConfiguration> WaitClusterOkAsync()
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            await fixture.Redis.ConfigureAsync();
            var answering = fixture.Redis.GetServers().Where(server => server.IsConnected).ToArray();
            var states = await Task.WhenAll(answering.Select(async server =>
            {
                try
                {
                    return (string?)await server.ExecuteAsync("CLUSTER", "INFO");
                }
                catch (RedisException)
                {
                    return null;
                }
            }));
            if (answering.Length > 0 && states.All(info => info?.Contains("cluster_state:ok", StringComparison.Ordinal) == true)) return await TopologyAsync();
            Assert.True(clock.Elapsed < RecoveryTimeout, "the cluster did not recover");
            await Task.Delay(250);
        }
    }

    private async Task<ClusterConfiguration> TopologyAsync()
    {
        await fixture.Redis.ConfigureAsync();
        var server = fixture.Redis.GetServers().First(server => server.IsConnected);
        return await server.ClusterNodesAsync() ?? throw new InvalidOperationException("Not a cluster.");
    }

    private string NodeName(System.Net.EndPoint? endPoint) => NodeName(PortOf(endPoint));

    private string NodeName(int port) =>
        Enumerable.Range(0, Nodes).Select(n => $"cache-node{n}")
            .FirstOrDefault(name => fixture.Graph.App.GetEndpoint(name, "tcp").Port == port)
        ?? throw new InvalidOperationException($"No cluster node listens on port {port}.");

    private int PortOf(string nodeName) => fixture.Graph.App.GetEndpoint(nodeName, "tcp").Port;

    private static int PortOf(System.Net.EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint ip => ip.Port,
        DnsEndPoint dns => dns.Port,
        _ => throw new InvalidOperationException($"Unexpected endpoint {endPoint}."),
    };
}
