using System.Net;
using System.Net.Sockets;
using ExamStore.HotState;
using StackExchange.Redis;

namespace LoadGenerator.Tests;

/// <summary>Short load runs against a real graph: what they report and what the verification pass catches.</summary>
[Collection(LoadGraphCollection.Name)]
public sealed class LoadRunTests(LoadGraphFixture graph)
{
    [Fact]
    public async Task Closed_loop_run_acknowledges_every_answer_once_with_replayable_theta()
    {
        var report = await new LoadRun(graph.Target, new LoadOptions { Examinees = 20, Concurrency = 8, MaxItems = 10, PgBenchSeconds = 2 }).RunAsync();

        Assert.Empty(report.Errors);
        Assert.Equal(20, report.ExamsStarted);
        Assert.Equal(20, report.ExamsCompleted);
        Assert.Equal(200, report.Answers);
        Assert.True(report.AnswersPerSecond > 0);
        var verification = report.Verification;
        Assert.True(verification.Passed, string.Join("\n", verification.Problems));
        Assert.Equal(200, verification.AcknowledgedAnswers);
        Assert.Equal(200, verification.Found);
        Assert.Equal(20, verification.CompletedExamsChecked);
        Assert.Equal(0, verification.FinalThetaMismatches);
        Assert.Equal(200, verification.AnswerThetaChecked);
        Assert.Equal(report.Answers, report.Rows.Attempts);
        Assert.Equal(20, report.Rows.Sessions);
        Assert.True(report.PgBench!.Tps > 0);
        Assert.Equal(report.AnswersPerSecond / report.PgBench.Tps, report.AnswersPerPgBenchTps);
        Assert.DoesNotContain("PASSWORD", report.PgBench.Command, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Open_loop_sends_the_scheduled_answers_and_orders_its_percentiles()
    {
        var report = await new LoadRun(graph.Target, new LoadOptions { Rate = 100, Duration = TimeSpan.FromSeconds(3) }).RunAsync();

        Assert.Empty(report.Errors);
        Assert.Equal(300, report.OpenLoop!.Scheduled);
        Assert.InRange(report.Answers, 285, 300);
        var answer = report.Latency["answer"];
        Assert.Equal(report.Answers, answer.Count);
        Assert.True(answer.P50Ms <= answer.P95Ms && answer.P95Ms <= answer.P99Ms && answer.P99Ms <= answer.MaxMs, $"{answer}");
        Assert.True(answer.P50Ms > 0);
        Assert.True(report.Verification.Passed, string.Join("\n", report.Verification.Problems));
        // Every pooled session was completed at the end, so each replays as a completed exam.
        Assert.Equal(report.ExamsStarted, report.Verification.CompletedExamsChecked);
    }

    [Fact]
    public async Task Hold_measures_bytes_per_active_session_and_completes_the_held_sessions()
    {
        var report = await new LoadRun(graph.Target, new LoadOptions { Examinees = 2, MaxItems = 3, HoldSessions = 200, HoldAnswers = 5 }).RunAsync();

        var hold = report.Hold!;
        Assert.Equal(200, hold.Sessions);
        Assert.Equal(200, hold.ActiveIndexAfter - hold.ActiveIndexBefore);
        Assert.True(hold.BytesPerSession > 0, $"{hold}");
        Assert.True(hold.StateValueBytes > 0);
        // Every held session's Redis state was deleted once and rebuilt from Postgres by a status read; the first
        // half (at most the warm-up's 100) untimed.
        Assert.Equal(100, hold.Rebuild.Count);
        Assert.Equal(100, hold.ServerRebuild.Count);
        Assert.True(hold.Rebuild.P50Ms > 0 && hold.Rebuild.P50Ms <= hold.Rebuild.P99Ms, $"{hold.Rebuild}");
        Assert.True(report.Verification.Passed, string.Join("\n", report.Verification.Problems));
        Assert.Equal(2 * 3 + 200 * 5, report.Verification.Found);
        using var redis = await ConnectionMultiplexer.ConnectAsync(graph.Target.RedisConnectionString);
        Assert.Equal(hold.ActiveIndexBefore, await new SessionStateStore(redis, new HotStateOptions()).ActiveCountAsync());
    }

    [Fact]
    public async Task Verification_reports_a_deleted_attempt_row()
    {
        var run = new LoadRun(graph.Target, new LoadOptions { Examinees = 3, Concurrency = 3, MaxItems = 5 });
        var report = await run.RunAsync();
        Assert.True(report.Verification.Passed, string.Join("\n", report.Verification.Problems));

        var victim = run.Ledger.Sessions.First();
        Assert.Equal(1, await graph.ExecuteAsync("DELETE FROM attempts WHERE session_id = $1 AND seq = 3", victim));
        var again = await new RunVerifier(graph.Target.PostgresConnectionString).VerifyAsync(run.Ledger);

        Assert.False(again.Passed);
        Assert.Equal(1, again.Missing);
        Assert.Equal(14, again.Found);
        Assert.Equal(0, again.ExtraRows);
        // Neither the deleted answer nor the two after the gap replay from what is stored.
        Assert.Equal(3, again.AnswerThetaMismatches);
        Assert.Contains(again.Problems, p => p.Contains($"session {victim} answer 3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dead_replica_url_is_retried_on_the_live_one_without_loss()
    {
        var live = graph.Target;
        var target = new ExamTarget([DeadUrl(), .. live.BaseUrls], live.AdminKey, live.RedisConnectionString, live.PostgresConnectionString);

        var report = await new LoadRun(target, new LoadOptions { Examinees = 4, Concurrency = 4, MaxItems = 5 }).RunAsync();

        Assert.Empty(report.Errors);
        Assert.Equal(20, report.Answers);
        Assert.True(report.ConnectionRetries > 0);
        Assert.True(report.Verification.Passed, string.Join("\n", report.Verification.Problems));
        Assert.Equal(report.Answers, report.Rows.Attempts);
    }

    // A loopback port that was just free: connecting to it is refused at once.
    private static Uri DeadUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }
}
