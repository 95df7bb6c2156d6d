using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using ExamStore.Practice;
using StackExchange.Redis;

namespace ExamApi.Tests;

/// <summary>
/// The practice cache layers in the real Redis: their keys and TTLs, values without answer keys, precise invalidation
/// on attempts and item changes, clearing by student or subject, and the statistics.
/// </summary>
[Collection(PracticeGraphCollection.Name)]
public sealed class PracticeCacheTests(PracticeGraphFixture fixture)
{
    private const string Math = "test-math";
    private const string Physics = "test-physics";
    private static readonly TimeSpan DropTimeout = TimeSpan.FromSeconds(5);
    private readonly PracticeClient practice = new(new ExamClient(fixture.CreateClient()));
    private readonly AdminApi admin = new(new ExamClient(fixture.CreateClient()));

    private IDatabase Redis => fixture.Redis.GetDatabase();

    [Fact]
    public async Task EveryLayerHasTheKeyAndTtlOfTheTable()
    {
        var student = await practice.StudentWithoutRunningExamAsync(Math);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("/api/cache/clear", new { subjectId = Math })).Status);
        var session = await practice.StartSessionAsync(student, Math, size: 6);

        var expected = new List<(string Key, TimeSpan Ttl)>
        {
            ($"user:performance:{{{student}}}", TimeSpan.FromMinutes(30)),
            ($"session:config:{{{Math}}}", TimeSpan.FromHours(2)),
            ($"current:topics:{{{student}}}:{Math}", TimeSpan.FromMinutes(30)),
            ($"weak:concepts:{{{student}}}:{Math}", TimeSpan.FromHours(1)),
            ($"revision:topics:{{{student}}}:{Math}", TimeSpan.FromHours(1)),
            ($"practice:session:{{{student}}}:{session.SessionId}", TimeSpan.FromHours(24)),
        };
        expected.AddRange(session.Questions.Select(q => q.Question["topic"]!.GetValue<string>()).Distinct()
            .Select(topic => ($"questions:subject:{{{Math}}}:{topic}", TimeSpan.FromHours(1))));
        foreach (var (key, ttl) in expected)
        {
            var left = await Redis.KeyTimeToLiveAsync(key);
            Assert.True(left is not null, $"{key} has no TTL or does not exist");
            Assert.InRange(left.Value, ttl - TimeSpan.FromMinutes(1), ttl);
        }
    }

    [Fact]
    public async Task NoRedisValueHoldsAnAnswerKey()
    {
        var subject = AdminApi.NewSubject("keys");
        var items = await admin.ImportAsync(Enumerable.Range(0, 8).Select(n => AdminApi.Item(subject, topic: $"t{n % 2}", n: n, b: (n - 4) / 2.0)));
        var student = await practice.StudentWithoutRunningExamAsync(subject);
        var first = await practice.StartSessionAsync(student, subject, size: 6, seed: 77);

        // Every entry reads back whole as its layer's type, which has no place for a key.
        foreach (var key in (await KeysOfAsync(student, subject)).Concat(await KeysOfSubjectAsync(subject)))
        {
            var value = (byte[])(await Redis.StringGetAsync(key))!;
            Action read = CacheLayer.Of(key) switch
            {
                var layer when layer == CacheLayer.UserPerformance => () => StudentPerformance.FromBytes(value),
                var layer when layer == CacheLayer.SessionConfig => () => SubjectConfiguration.FromBytes(value),
                var layer when layer == CacheLayer.QuestionSets => () => QuestionSet.FromBytes(value),
                var layer when layer == CacheLayer.PracticeSessions => () => PracticePlanCodec.FromBytes(value),
                _ => () => RankedTopics.FromBytes(value),
            };
            read();
        }
        var sets = new[] { "t0", "t1" }.Select(topic => $"questions:subject:{{{subject}}}:{topic}").ToArray();
        var before = await Task.WhenAll(sets.Select(async key => (byte[])(await Redis.StringGetAsync(key))!));

        // Another answer key on one item: the question sets are dropped and, read again, are the same bytes.
        var changed = items[0]!.AsObject().DeepClone().AsObject();
        foreach (var field in new[] { "id", "createdAt", "updatedAt" }) changed.Remove(field);
        changed["answerKey"] = 1;
        var put = await admin.PutAsync($"/api/items/{items[0]!["id"]}", changed);
        Assert.True(put.Status == HttpStatusCode.OK, put.Body);
        Assert.All(sets, key => Assert.False(Redis.KeyExists(key)));
        var second = await practice.StartSessionAsync(student, subject, size: 6, seed: 77);
        Assert.Equal(first.ItemIds, second.ItemIds);
        var after = await Task.WhenAll(sets.Select(async key => (byte[])(await Redis.StringGetAsync(key))!));
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task APracticeAnswerOrAnExamStartOrEndDropsExactlyThatStudentsDerivedEntriesAndNothingIsCachedFromThemDuringTheExam()
    {
        var a = await practice.StudentWithoutRunningExamAsync(Math);
        var b = await practice.StudentWithoutRunningExamAsync(Math);
        var sessionA = await practice.StartSessionAsync(a, Math, size: 4);
        await practice.StartSessionAsync(b, Math, size: 4);
        var derivedA = Derived(a, Math);
        var everythingElse = (await KeysOfAsync(b, Math)).Append(PlanKey(a, sessionA)).Append($"session:config:{{{Math}}}").ToArray();
        await AssertAllExistAsync(derivedA.Concat(everythingElse));

        // A practice answer: dropped before it is acknowledged.
        var question = sessionA.Questions[0].Question["itemId"]!.GetValue<long>();
        Assert.Equal(HttpStatusCode.OK, (await practice.AnswerAsync(sessionA, question, 0)).Status);
        await AssertNoneExistAsync(derivedA);
        await AssertAllExistAsync(everythingElse);

        // An exam starts: the student's derived entries go, and while it runs nothing derived from the record is cached
        // again (its answers change the record without telling the cache); practice reads the record fresh, so the exam's
        // answer leads the current topics.
        await practice.StartSessionAsync(a, Math, size: 4);
        var cached = await Task.WhenAll(derivedA.Select(key => Redis.StringGetAsync(key)));
        Assert.All(cached, value => Assert.False(value.IsNull));
        var exam = await practice.Client.StartExamAsync(Math, maxItems: 5, studentId: a);
        await WaitUntilGoneAsync(derivedA);
        await AssertAllExistAsync(everythingElse);
        Assert.Equal(HttpStatusCode.OK, (await practice.Client.AnswerAsync(exam.SessionId, exam.FirstItemId, 0, exam.Token)).Status);
        var during = await practice.StartSessionAsync(a, Math, size: 4);
        Assert.Equal(fixture.Bank[exam.FirstItemId].Topic, during.Topics("current")[0]);
        await AssertNoneExistAsync(derivedA);

        // The exam ends: what a generation racing its start could have cached (written here by hand) goes too.
        foreach (var (key, value) in derivedA.Zip(cached)) await Redis.StringSetAsync(key, value, TimeSpan.FromMinutes(10));
        Assert.Equal(HttpStatusCode.OK, (await practice.Client.PostJsonAsync("/api/adaptive/complete", new { sessionId = exam.SessionId }, exam.Token)).Status);
        await WaitUntilGoneAsync(derivedA);
        await AssertAllExistAsync(everythingElse);
        await practice.StartSessionAsync(a, Math, size: 4);
        await AssertAllExistAsync(derivedA);
        // The completion folded the exam's answer into the topic statistics.
        Assert.True(await fixture.ScalarAsync<int>("SELECT attempts FROM topic_statistics WHERE student_id = $1 AND topic = $2", a, fixture.Bank[exam.FirstItemId].Topic) >= 1);
    }

    [Fact]
    public async Task AnItemChangeDropsThatSubjectsQuestionSetsAndNothingElse()
    {
        var student = await practice.StudentWithoutRunningExamAsync(Math);
        var math = await practice.StartSessionAsync(student, Math, size: 6);
        await practice.StartSessionAsync(student, Physics, size: 6);
        var mathKeys = (await KeysOfSubjectAsync(Math)).ToArray();
        var physicsKeys = (await KeysOfSubjectAsync(Physics)).ToArray();
        Assert.Contains($"session:config:{{{Math}}}", mathKeys);
        Assert.Contains(mathKeys, key => key.StartsWith("questions:subject:", StringComparison.Ordinal));
        var studentKeys = (await KeysOfAsync(student, null)).ToArray();

        var item = fixture.Bank[math.ItemIds[0]];
        var unchanged = new JsonObject
        {
            ["subject"] = item.Subject, ["topic"] = item.Topic, ["content"] = item.Content,
            ["options"] = new JsonArray(item.Options.Select(o => (JsonNode)o!).ToArray()),
            ["answerKey"] = item.AnswerKey, ["a"] = item.A, ["b"] = item.B, ["c"] = item.C, ["d"] = 1.0,
        };
        var put = await admin.PutAsync($"/api/items/{item.Id}", unchanged);
        Assert.True(put.Status == HttpStatusCode.OK, put.Body);

        await AssertNoneExistAsync(mathKeys);
        await AssertAllExistAsync(physicsKeys.Concat(studentKeys));
    }

    [Fact]
    public async Task ClearingAStudentOrASubjectDeletesExactlyItsKeysAndSaysHowMany()
    {
        var a = await practice.StudentWithoutRunningExamAsync(Math);
        var b = await practice.StudentWithoutRunningExamAsync(Math);
        await practice.StartSessionAsync(a, Math, size: 3);
        await practice.StartSessionAsync(a, Physics, size: 3);
        await practice.StartSessionAsync(b, Math, size: 3);
        await practice.StartSessionAsync(b, Physics, size: 3);
        var keysOfA = (await KeysOfAsync(a, null)).ToArray();
        var keysOfB = (await KeysOfAsync(b, null)).ToArray();
        // Performance, weak, current and revision in two subjects, and two sessions.
        Assert.Equal(9, keysOfA.Length);

        var cleared = await admin.PostAsync("/api/cache/clear", new { userId = a });
        Assert.True(cleared.Status == HttpStatusCode.OK, cleared.Body);
        Assert.Equal(keysOfA.Length, cleared.Json!["keysDeleted"]!.GetValue<long>());
        Assert.Equal("user", cleared.Json["scope"]!.GetValue<string>());
        Assert.Empty(await KeysOfAsync(a, null));
        await AssertAllExistAsync(keysOfB);

        var mathKeys = (await KeysOfSubjectAsync(Math)).ToArray();
        var physicsKeys = (await KeysOfSubjectAsync(Physics)).ToArray();
        var subject = await admin.PostAsync("/api/cache/clear", new { subjectId = Math });
        Assert.Equal(mathKeys.Length, subject.Json!["keysDeleted"]!.GetValue<long>());
        Assert.Empty(await KeysOfSubjectAsync(Math));
        await AssertAllExistAsync(physicsKeys.Concat(keysOfB));

        Assert.Equal(0, (await admin.PostAsync("/api/cache/clear", new { userId = a })).Json!["keysDeleted"]!.GetValue<long>());
        Assert.Equal("body", (await admin.PostAsync("/api/cache/clear", new { })).Field);
        Assert.Equal("subjectId", (await admin.PostAsync("/api/cache/clear", new { userId = a, subjectId = Math })).Field);
        Assert.Equal("userId", (await admin.PostRawAsync("/api/cache/clear", """{"userId":5}""")).Field);
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.Client.PostJsonAsync("/api/cache/clear", new { userId = b }, null)).Status);
        await AssertAllExistAsync(keysOfB);
    }

    [Fact]
    public async Task StatsCountHitsAndMissesPerLayerAndMeasureKeysAndBytes()
    {
        var student = await practice.StudentWithoutRunningExamAsync(Math);
        var before = await StatsAsync();
        await practice.StartSessionAsync(student, Math, size: 3);
        await practice.StartSessionAsync(student, Math, size: 3);
        var after = await StatsAsync();

        Assert.Equal(CacheLayer.All.Select(l => l.Name), after.Select(l => l!["layer"]!.GetValue<string>()));
        var performance = after.Single(l => l!["layer"]!.GetValue<string>() == "user-performance")!;
        var performanceBefore = before.Single(l => l!["layer"]!.GetValue<string>() == "user-performance")!;
        Assert.Equal("user:performance:{userId}", performance["keyPattern"]!.GetValue<string>());
        Assert.Equal(1800, performance["ttlSeconds"]!.GetValue<int>());
        long Count(JsonNode layer, string period, string what) => layer[period]![what]!.GetValue<long>();
        Assert.Equal(1, Count(performance, "sinceStart", "misses") - Count(performanceBefore, "sinceStart", "misses"));
        Assert.Equal(1, Count(performance, "sinceStart", "hits") - Count(performanceBefore, "sinceStart", "hits"));
        Assert.True(Count(performance, "lastFiveMinutes", "hits") >= 1);
        var rate = performance["sinceStart"]!["hitRate"]!.GetValue<double>();
        Assert.Equal((double)Count(performance, "sinceStart", "hits") / (Count(performance, "sinceStart", "hits") + Count(performance, "sinceStart", "misses")), rate, 12);
        Assert.All(after, layer => Assert.True(layer!["keys"]!.GetValue<long>() > 0, layer.ToJsonString()));
        Assert.All(after, layer => Assert.True(layer!["bytes"]!.GetValue<long>() > layer["keys"]!.GetValue<long>(), layer.ToJsonString()));
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.Client.GetAsync("/api/cache/stats", null)).Status);
    }

    private async Task<JsonArray> StatsAsync()
    {
        var stats = await admin.GetAsync("/api/cache/stats");
        Assert.True(stats.Status == HttpStatusCode.OK, stats.Body);
        return stats.Json!["layers"]!.AsArray();
    }

    private static string[] Derived(string student, string subject) =>
    [
        $"user:performance:{{{student}}}", $"weak:concepts:{{{student}}}:{subject}",
        $"current:topics:{{{student}}}:{subject}", $"revision:topics:{{{student}}}:{subject}",
    ];

    private static string PlanKey(string student, StartedPractice session) => $"practice:session:{{{student}}}:{session.SessionId}";

    // Test-only SCANs: the application never scans to clear.
    private async Task<IEnumerable<string>> KeysOfAsync(string student, string? subject)
    {
        var keys = await ScanAsync($"*{{{student}}}*");
        return keys.Where(key => CacheLayer.Of(key) is not null
            && (subject is null || key.EndsWith($":{subject}", StringComparison.Ordinal) || key.StartsWith("user:performance:", StringComparison.Ordinal) || key.StartsWith("practice:session:", StringComparison.Ordinal)));
    }

    private async Task<IEnumerable<string>> KeysOfSubjectAsync(string subject) =>
        (await ScanAsync($"*{{{subject}}}*")).Where(key => CacheLayer.Of(key) is not null);

    private async Task<List<string>> ScanAsync(string pattern)
    {
        var server = fixture.Redis.GetServer(fixture.Redis.GetEndPoints()[0]);
        var keys = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: pattern)) keys.Add(key!);
        return keys;
    }

    private async Task AssertAllExistAsync(IEnumerable<string> keys)
    {
        foreach (var key in keys) Assert.True(await Redis.KeyExistsAsync(key), $"{key} is missing");
    }

    private async Task AssertNoneExistAsync(IEnumerable<string> keys)
    {
        foreach (var key in keys) Assert.False(await Redis.KeyExistsAsync(key), $"{key} is still there");
    }

    private async Task WaitUntilGoneAsync(IEnumerable<string> keys)
    {
        var clock = Stopwatch.StartNew();
        foreach (var key in keys)
        {
            while (await Redis.KeyExistsAsync(key))
            {
                Assert.True(clock.Elapsed < DropTimeout, $"{key} was not dropped");
                await Task.Delay(20);
            }
        }
    }
}
