namespace LoadGenerator.Tests;

/// <summary>Practice sessions under load, short, against a real graph.</summary>
[Collection(LoadGraphCollection.Name)]
public sealed class PracticeLoadTests(LoadGraphFixture graph)
{
    [Fact]
    public async Task Closed_loop_with_a_practice_share_reports_practice_rates_and_cache_hit_rates_per_layer()
    {
        var report = await new LoadRun(graph.Target, new LoadOptions { Examinees = 40, Concurrency = 8, MaxItems = 10, PracticeShare = 0.3 }).RunAsync();

        Assert.Empty(report.Errors);
        var practice = report.Practice!;
        // Every claim of the loop is one student: an exam, or a practice session of a student who completed one.
        Assert.Equal(40, report.ExamsStarted + practice.SessionsStarted);
        Assert.True(practice.SessionsCompleted > 0, $"{practice}");
        Assert.Equal(practice.SessionsStarted, practice.SessionsCompleted);
        Assert.Equal(practice.SessionsCompleted * 10, practice.Answers);
        Assert.True(practice.SessionsPerSecond > 0 && practice.AnswersPerSecond > 0);
        Assert.True(report.AnswersPerSecond > 0);
        var layers = practice.Cache.ToDictionary(l => l.Layer);
        // One lookup of the student's record per generation; the subject's configuration is cached after the first.
        Assert.Equal(practice.SessionsStarted, layers["user-performance"].Hits + layers["user-performance"].Misses);
        Assert.True(layers["session-config"].HitRate > 0, $"{layers["session-config"]}");
        // Each answer and completion reads the session's plan, cached when it was generated.
        Assert.True(layers["practice-sessions"].HitRate > 0, $"{layers["practice-sessions"]}");
        Assert.True(report.Verification.Passed, string.Join("\n", report.Verification.Problems));
        Assert.True(practice.Verification.Passed, string.Join("\n", practice.Verification.Problems));
        Assert.Equal(practice.Answers, practice.Verification.Found);
        Assert.Equal(practice.SessionsCompleted, practice.Verification.Completed);
        Assert.True(report.Passed);
    }
}
