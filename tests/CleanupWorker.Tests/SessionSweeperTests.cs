using ExamStore.Sessions;
using Npgsql;

namespace CleanupWorker.Tests;

/// <summary>The sweep against real Postgres and Redis: one at a time across instances, and what it leaves behind.</summary>
[Collection(SweepGraphCollection.Name)]
public sealed class SessionSweeperTests(SweepGraphFixture fixture)
{
    private static readonly TimeSpan Threshold = TimeSpan.FromMinutes(60);

    [Fact]
    public async Task A_sweep_is_skipped_while_another_instance_holds_the_lock()
    {
        var sessionId = await fixture.StartExamAsync(answers: 1);
        await fixture.MakeIdleAsync(sessionId, TimeSpan.FromHours(2));
        var sweeper = fixture.CreateSweeper();

        await using (var other = new NpgsqlConnection(fixture.DatabaseConnectionString))
        {
            await other.OpenAsync();
            await using var take = new NpgsqlCommand($"SELECT pg_advisory_lock({SessionSweeper.AdvisoryLockKey})", other);
            await take.ExecuteNonQueryAsync();

            var skipped = await sweeper.SweepAsync(Threshold, CancellationToken.None);
            Assert.False(skipped.Ran);
            Assert.Equal(0, skipped.Expired);
            Assert.Equal("active", await fixture.ScalarAsync<string>("SELECT status FROM exam_sessions WHERE id = $1", sessionId));
        }

        var ran = await sweeper.SweepAsync(Threshold, CancellationToken.None);
        Assert.True(ran.Ran);
        Assert.True(ran.Expired >= 1);
        Assert.Equal("abandoned", await fixture.ScalarAsync<string>("SELECT status FROM exam_sessions WHERE id = $1", sessionId));
    }

    [Fact]
    public async Task Concurrent_sweeps_of_two_instances_never_overlap_and_end_each_session_once()
    {
        var sessions = new List<Guid>();
        for (var k = 0; k < 12; k++)
        {
            var sessionId = await fixture.StartExamAsync(answers: 0);
            await fixture.MakeIdleAsync(sessionId, TimeSpan.FromHours(3));
            sessions.Add(sessionId);
        }
        var first = fixture.CreateSweeper();
        var second = fixture.CreateSweeper();

        var outcomes = await Task.WhenAll(first.SweepAsync(Threshold, CancellationToken.None), second.SweepAsync(Threshold, CancellationToken.None));

        Assert.Contains(outcomes, o => o.Ran);
        if (outcomes.All(o => o.Ran))
        {
            // Both ran only because one finished before the other began: never at the same time.
            var (early, late) = outcomes[0].StartedAt <= outcomes[1].StartedAt ? (outcomes[0], outcomes[1]) : (outcomes[1], outcomes[0]);
            Assert.True(early.FinishedAt <= late.StartedAt, $"{early} overlaps {late}");
        }
        Assert.True(outcomes.Sum(o => o.Expired) >= sessions.Count);
        foreach (var sessionId in sessions)
        {
            Assert.Equal("abandoned inactive", await fixture.ScalarAsync<string>("SELECT status || ' ' || stop_reason FROM exam_sessions WHERE id = $1", sessionId));
        }
    }

    [Fact]
    public async Task An_abandoned_session_keeps_its_last_theta_and_se()
    {
        var sessionId = await fixture.StartExamAsync(answers: 3);
        await fixture.MakeIdleAsync(sessionId, TimeSpan.FromHours(2));
        var lastTheta = await fixture.ScalarAsync<double>("SELECT theta_after FROM attempts WHERE session_id = $1 ORDER BY seq DESC LIMIT 1", sessionId);
        var lastSe = await fixture.ScalarAsync<double>("SELECT se_after FROM attempts WHERE session_id = $1 ORDER BY seq DESC LIMIT 1", sessionId);

        var outcome = await fixture.CreateSweeper().SweepAsync(Threshold, CancellationToken.None);

        Assert.True(outcome.Ran);
        Assert.Equal("abandoned inactive 3", await fixture.ScalarAsync<string>("SELECT status || ' ' || stop_reason || ' ' || item_count FROM exam_sessions WHERE id = $1", sessionId));
        Assert.Equal(lastTheta, await fixture.ScalarAsync<double>("SELECT theta FROM exam_sessions WHERE id = $1", sessionId));
        Assert.Equal(lastSe, await fixture.ScalarAsync<double>("SELECT se FROM exam_sessions WHERE id = $1", sessionId));
        Assert.Equal(0L, await fixture.ScalarAsync<long>("SELECT count(*) FROM student_proficiencies sp JOIN exam_sessions s ON s.student_id = sp.student_id WHERE s.id = $1", sessionId));
    }

    [Fact]
    public async Task A_recently_active_session_is_left_alone()
    {
        var sessionId = await fixture.StartExamAsync(answers: 1);
        var outcome = await fixture.CreateSweeper().SweepAsync(Threshold, CancellationToken.None);
        Assert.True(outcome.Ran);
        Assert.Equal("active", await fixture.ScalarAsync<string>("SELECT status FROM exam_sessions WHERE id = $1", sessionId));
    }
}
