using LoadGenerator.Practice;

namespace LoadGenerator.Tests;

/// <summary>Practice sessions under load: the closed loop's practice share and the generation benchmark, short, against a real graph.</summary>
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

    [Fact]
    public async Task Practice_generation_cold_misses_every_layer_warm_hits_every_layer_and_both_give_the_same_sessions()
    {
        // Exams at sessions 1 and 8 and practice sessions between and after them, aged ~14 days.
        var options = new GenerationOptions
        {
            Subject = "loadgen-practice-test", BankSize = 400, Attempts = 160, ExamLength = 20, Generations = 10, WarmupGenerations = 2,
        };

        var report = await new GenerationBenchmark(graph.Target, options).RunAsync(_ => { });

        var history = report.History;
        Assert.True(history.Passed, string.Join("\n", history.ExamVerification.Problems.Concat(history.PracticeVerification.Problems)));
        Assert.Equal(160, history.ExamAnswers + history.PracticeAnswers);
        Assert.Equal(2, history.Exams);
        Assert.Equal(12, history.PracticeSessions);
        Assert.Equal(history.ExamAnswers, history.ExamVerification.Found);
        Assert.Equal(history.PracticeAnswers, history.PracticeVerification.Found);
        // The aged history has weak topics and recent ones. Revision topics it has only when a review is due or a topic
        // went unseen for a week, and a student practising daily may be up to date with both.
        Assert.Equal(["weak", "current", "revision"], report.Sections.Select(s => s.Name));
        Assert.NotEmpty(report.Sections[0].Topics);
        Assert.NotEmpty(report.Sections[1].Topics);
        Assert.Equal(options.Size, report.Sections.Sum(s => s.Questions));

        Assert.Equal(10, report.Cold.Count);
        Assert.Equal(10, report.Warm.Count);
        Assert.True(report.Cold.P50Ms > 0 && report.Cold.P50Ms <= report.Cold.P99Ms, $"{report.Cold}");
        Assert.True(report.Warm.P50Ms > 0 && report.Warm.P50Ms <= report.Warm.P99Ms, $"{report.Warm}");
        Assert.Equal(10, report.SameSessions);
        Assert.Equal(0, report.DifferentSessions);
        var cold = report.ColdLookups.ToDictionary(l => l.Layer);
        var warm = report.WarmLookups.ToDictionary(l => l.Layer);
        foreach (var layer in new[] { "user-performance", "session-config", "weak-concepts", "current-topics", "revision-topics" })
        {
            Assert.Equal(new LayerLookups(layer, 0, 10), cold[layer]);
            Assert.Equal(new LayerLookups(layer, 10, 0), warm[layer]);
        }
        Assert.True(cold["question-sets"] is { Hits: 0, Misses: >= 10 }, $"{cold["question-sets"]}");
        Assert.Equal(1, warm["question-sets"].HitRate);
        Assert.True(report.Passed);
    }
}
