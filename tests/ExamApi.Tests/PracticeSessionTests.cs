using System.Net;
using System.Text.Json.Nodes;
using Engine.Models;

namespace ExamApi.Tests;

/// <summary>Practice sessions through the API against real Redis and Postgres: sections, item choice, answers, completion.</summary>
[Collection(PracticeGraphCollection.Name)]
public sealed class PracticeSessionTests(PracticeGraphFixture fixture)
{
    private const string Subject = "test-math";
    private readonly PracticeClient practice = new(new ExamClient(fixture.CreateClient()));

    [Fact]
    public async Task SectionsFollowTheStudentsRecord()
    {
        var (studentId, exam) = await practice.KnownStudentAsync(Subject);
        // Weak in algebra (θ far below the subject's), probability due for review, and two exam answers just now.
        await fixture.SeedProficiencyAsync(studentId, Subject, ("", 0.5, 0.3), ("algebra", -1.2, 0.5), ("geometry", 0.9, 0.5), ("probability", 0.6, 0.5));
        await fixture.ExecuteAsync("""
            INSERT INTO topic_statistics (student_id, subject, topic, attempts, correct, recent_accuracy, last_seen_at, review_interval, next_review_at)
            VALUES ($1, 'test-math', 'probability', 10, 8, 0.8, now() - interval '30 days', interval '8 days', now() - interval '22 days')
            """, studentId);
        var answered = new List<long> { exam.FirstItemId };
        var first = await practice.Client.AnswerAsync(exam.SessionId, exam.FirstItemId, 0, exam.Token);
        Assert.True(first.Status == HttpStatusCode.OK, first.Body);
        answered.Add(first.Json!["nextItem"]!["id"]!.GetValue<long>());
        Assert.Equal(HttpStatusCode.OK, (await practice.Client.AnswerAsync(exam.SessionId, answered[1], 0, exam.Token)).Status);

        var session = await practice.StartSessionAsync(studentId, Subject);

        Assert.Equal(["algebra"], session.Topics("weak"));
        Assert.Equal(answered.AsEnumerable().Reverse().Select(id => fixture.Bank[id].Topic).Distinct(), session.Topics("current"));
        Assert.Equal(["probability"], session.Topics("revision"));
        Assert.Equal([4, 3, 3], new[] { "weak", "current", "revision" }.Select(s => session.QuestionsOf(s).Length));
        Assert.All(session.QuestionsOf("weak"), q => Assert.Equal("algebra", q["topic"]!.GetValue<string>()));
        Assert.All(session.QuestionsOf("revision"), q => Assert.Equal("probability", q["topic"]!.GetValue<string>()));
        var weakTopic = session.Json["sections"]![0]!["topics"]![0]!;
        Assert.Equal("low-theta", weakTopic["reason"]!.GetValue<string>());
        Assert.Equal(-1.2, weakTopic["theta"]!.GetValue<double>());
        Assert.Equal("due", session.Json["sections"]![2]!["topics"]![0]!["reason"]!.GetValue<string>());

        // Items by information at the topic's θ: the k-th weak item comes from the best k + 2 algebra items at θ = −1.2.
        var byInformation = fixture.Bank.ItemsOf(Subject).Where(i => i.Topic == "algebra" && !answered.Contains(i.Id))
            .OrderByDescending(i => new LogisticItem(i.A, i.B, i.C).Information(-1.2)).Select(i => i.Id).ToList();
        var weakItems = session.QuestionsOf("weak").Select(q => q["itemId"]!.GetValue<long>()).ToArray();
        for (var k = 0; k < weakItems.Length; k++) Assert.InRange(byInformation.IndexOf(weakItems[k]), 0, k + 2);
        Assert.Equal(session.ItemIds.Length, session.ItemIds.Distinct().Count());
        Assert.DoesNotContain(session.ItemIds, answered.Contains);
        Assert.Equal(Enumerable.Range(1, 10), session.Questions.Select(q => q.Question["position"]!.GetValue<int>()));
    }

    [Fact]
    public async Task ANewStudentGetsTheSubjectsTopicsSpreadAndTheEmptySectionsSharesGoToWeak()
    {
        var (studentId, _) = await practice.KnownStudentAsync("test-physics");

        var session = await practice.StartSessionAsync(studentId, Subject, size: 9);

        Assert.Equal(["algebra", "geometry", "probability"], session.Topics("weak"));
        Assert.All(session.Json["sections"]![0]!["topics"]!.AsArray(), t => Assert.Equal("no-history", t!["reason"]!.GetValue<string>()));
        Assert.Empty(session.Topics("current"));
        Assert.Empty(session.Topics("revision"));
        Assert.Equal(9, session.QuestionsOf("weak").Length);
        Assert.Equal([3, 3, 3], session.QuestionsOf("weak").GroupBy(q => q["topic"]!.GetValue<string>()).Select(g => g.Count()));
        var notes = session.Json["notes"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray();
        Assert.Contains(notes, n => n.StartsWith("current:", StringComparison.Ordinal) && n.EndsWith("went to weak", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.StartsWith("revision:", StringComparison.Ordinal) && n.EndsWith("went to weak", StringComparison.Ordinal));
        // θ of a student without a record is 0.
        Assert.All(session.Json["sections"]![0]!["topics"]!.AsArray(), t => Assert.Equal(0, t!["theta"]!.GetValue<double>()));
    }

    [Fact]
    public async Task TheSameSeedOnTheSameDataGivesTheSameSessionAndQuestionsNeverCarryTheKey()
    {
        var (studentId, _) = await practice.KnownStudentAsync(Subject);

        var one = await practice.StartSessionAsync(studentId, Subject, size: 12, seed: 123_456_789);
        var two = await practice.StartSessionAsync(studentId, Subject, size: 12, seed: 123_456_789);
        var other = await practice.StartSessionAsync(studentId, Subject, size: 12, seed: 987_654_321);
        var unseeded = await practice.StartSessionAsync(studentId, Subject, size: 12);

        Assert.Equal(123_456_789, one.Json["seed"]!.GetValue<long>());
        Assert.NotEqual(one.SessionId, two.SessionId);
        Assert.Equal(one.ItemIds, two.ItemIds);
        Assert.NotEqual(one.ItemIds, other.ItemIds);
        Assert.InRange(unseeded.Json["seed"]!.GetValue<long>(), 0, (1L << 53) - 1);
        foreach (var (_, question) in one.Questions)
        {
            Assert.Equal(["position", "itemId", "topic", "content", "options"], question.AsObject().Select(p => p.Key));
            var item = fixture.Bank[question["itemId"]!.GetValue<long>()];
            Assert.Equal(item.Options, question["options"]!.AsArray().Select(o => o!.GetValue<string>()));
            Assert.Equal(item.Content, question["content"]!.GetValue<string>());
        }
        Assert.DoesNotContain("answerKey", one.Json.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        var view = await practice.GetAsync(one);
        Assert.Equal(HttpStatusCode.OK, view.Status);
        Assert.Equal(one.Json["sections"]!.ToJsonString(), view.Json!["sections"]!.ToJsonString());
        Assert.DoesNotContain("answerKey", view.Body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AnswersAreScoredStoredBeforeTheyAreAcknowledgedOncePerQuestionAndUpdateTopicStatistics()
    {
        var (studentId, _) = await practice.KnownStudentAsync(Subject);
        var session = await practice.StartSessionAsync(studentId, Subject, size: 5, seed: 42);
        var (section, question) = session.Questions[0];
        var item = fixture.Bank[question["itemId"]!.GetValue<long>()];

        var answer = await practice.AnswerAsync(session, item.Id, item.AnswerKey);
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Body);
        Assert.True(answer.Json!["correct"]!.GetValue<bool>());
        Assert.Equal(section, answer.Json["section"]!.GetValue<string>());
        Assert.Equal(1, answer.Json["answered"]!.GetValue<int>());
        Assert.Equal(4, answer.Json["remaining"]!.GetValue<int>());
        Assert.DoesNotContain("answerKey", answer.Body, StringComparison.OrdinalIgnoreCase);
        // Acknowledged means committed: the row and the topic statistics are in Postgres now.
        Assert.True(await fixture.ScalarAsync<bool>("SELECT correct FROM practice_answers WHERE session_id = $1 AND item_id = $2", session.SessionId, item.Id));
        Assert.Equal(1, await fixture.ScalarAsync<int>("SELECT attempts FROM topic_statistics WHERE student_id = $1 AND subject = $2 AND topic = $3", studentId, Subject, item.Topic));

        var again = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => practice.AnswerAsync(session, item.Id, item.AnswerKey)));
        Assert.All(again, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.All(again, r => Assert.Equal(answer.Json["answeredAt"]!.GetValue<DateTime>(), r.Json!["answeredAt"]!.GetValue<DateTime>()));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("SELECT count(*) FROM practice_answers WHERE session_id = $1", session.SessionId));
        Assert.Equal(1, await fixture.ScalarAsync<int>("SELECT attempts FROM topic_statistics WHERE student_id = $1 AND subject = $2 AND topic = $3", studentId, Subject, item.Topic));

        var changed = await practice.AnswerAsync(session, item.Id, (item.AnswerKey + 1) % 4);
        Assert.Equal(HttpStatusCode.Conflict, changed.Status);
        Assert.Equal("response", changed.Field);
        Assert.Equal(HttpStatusCode.Unauthorized, (await practice.AnswerAsync(session, item.Id, item.AnswerKey, token: "not-the-token")).Status);
        var foreign = fixture.Bank.ItemsOf(Subject).First(i => !session.ItemIds.Contains(i.Id));
        Assert.Equal("itemId", (await practice.AnswerAsync(session, foreign.Id, 0)).Field);
        var second = session.Questions[1].Question["itemId"]!.GetValue<long>();
        var outOfRange = await practice.AnswerAsync(session, second, 4);
        Assert.Equal(HttpStatusCode.BadRequest, outOfRange.Status);
        Assert.Equal("response", outOfRange.Field);
        Assert.Equal(1L, await fixture.ScalarAsync<long>("SELECT count(*) FROM practice_answers WHERE session_id = $1", session.SessionId));
    }

    [Fact]
    public async Task CompletionSummarisesEachSectionWithTopicThetaBeforeAndAfterOnce()
    {
        var (studentId, _) = await practice.KnownStudentAsync(Subject);
        await fixture.SeedProficiencyAsync(studentId, Subject, ("", 0.2, 0.4), ("geometry", -0.8, 0.6));
        var session = await practice.StartSessionAsync(studentId, Subject, size: 6, mix: new { weak = 1 });
        Assert.Equal(["geometry"], session.Topics("weak"));
        var questions = session.QuestionsOf("weak");
        // All but the last right.
        foreach (var question in questions.SkipLast(1))
        {
            var item = fixture.Bank[question["itemId"]!.GetValue<long>()];
            Assert.Equal(HttpStatusCode.OK, (await practice.AnswerAsync(session, item.Id, item.AnswerKey)).Status);
        }

        var summary = await practice.CompleteAsync(session);
        Assert.True(summary.Status == HttpStatusCode.OK, summary.Body);
        Assert.Equal("completed", summary.Json!["status"]!.GetValue<string>());
        var weak = summary.Json["sections"]!.AsArray().Single(s => s!["name"]!.GetValue<string>() == "weak")!;
        Assert.Equal(6, weak["questions"]!.GetValue<int>());
        Assert.Equal(5, weak["answered"]!.GetValue<int>());
        Assert.Equal(5, weak["correct"]!.GetValue<int>());
        Assert.Equal(1.0, weak["accuracy"]!.GetValue<double>());
        var geometry = weak["topics"]!.AsArray().Single()!;
        Assert.Equal(-0.8, geometry["thetaBefore"]!.GetValue<double>());
        Assert.True(geometry["thetaAfter"]!.GetValue<double>() > -0.8, summary.Body);
        Assert.True(geometry["seAfter"]!.GetValue<double>() < 0.6, summary.Body);
        Assert.Null(summary.Json["sections"]!.AsArray().Single(s => s!["name"]!.GetValue<string>() == "current")!["accuracy"]);

        var repeated = await practice.CompleteAsync(session);
        Assert.Equal(summary.Json.ToJsonString(), repeated.Json!.ToJsonString());
        var last = fixture.Bank[questions[^1]["itemId"]!.GetValue<long>()];
        var late = await practice.AnswerAsync(session, last.Id, last.AnswerKey);
        Assert.Equal(HttpStatusCode.Conflict, late.Status);
        var view = await practice.GetAsync(session);
        Assert.Equal("completed", view.Json!["status"]!.GetValue<string>());
        Assert.Equal(5, view.Json["answers"]!.AsArray().Count);
    }

    [Fact]
    public async Task PracticeNeverChangesAnExamInProgress()
    {
        var (studentId, exam) = await practice.KnownStudentAsync(Subject);
        Assert.Equal(HttpStatusCode.OK, (await practice.Client.AnswerAsync(exam.SessionId, exam.FirstItemId, 1, exam.Token)).Status);
        var before = await practice.Client.GetAsync($"/api/adaptive/{exam.SessionId}", exam.Token);
        var next = await practice.Client.GetAsync($"/api/adaptive/next?sessionId={exam.SessionId}", exam.Token);

        var session = await practice.StartSessionAsync(studentId, Subject, size: 4);
        foreach (var (_, question) in session.Questions)
        {
            Assert.Equal(HttpStatusCode.OK, (await practice.AnswerAsync(session, question["itemId"]!.GetValue<long>(), 0)).Status);
        }
        Assert.Equal(HttpStatusCode.OK, (await practice.CompleteAsync(session)).Status);

        var after = await practice.Client.GetAsync($"/api/adaptive/{exam.SessionId}", exam.Token);
        Assert.Equal(before.Json!["theta"]!.GetValue<double>(), after.Json!["theta"]!.GetValue<double>());
        Assert.Equal(1, after.Json["answered"]!.GetValue<int>());
        Assert.Equal("active", after.Json["state"]!.GetValue<string>());
        Assert.Equal(next.Body, (await practice.Client.GetAsync($"/api/adaptive/next?sessionId={exam.SessionId}", exam.Token)).Body);
        Assert.Equal(1L, await fixture.AttemptCountAsync(exam.SessionId));
    }

    [Fact]
    public async Task AnExamEndedByItsStoppingRuleFoldsEveryAnswerIntoTheTopicStatistics()
    {
        var (studentId, exam) = await practice.KnownStudentAsync(Subject);
        var answered = new List<long>();
        for (var itemId = exam.FirstItemId; ;)
        {
            var answer = await practice.Client.AnswerAsync(exam.SessionId, itemId, 0, exam.Token);
            Assert.True(answer.Status == HttpStatusCode.OK, answer.Body);
            answered.Add(itemId);
            if (answer.Json!["done"]!.GetValue<bool>()) break;
            itemId = answer.Json["nextItem"]!["id"]!.GetValue<long>();
        }

        Assert.Equal(5, answered.Count);
        foreach (var topic in answered.GroupBy(id => fixture.Bank[id].Topic))
        {
            const string Sql = "SELECT {0} FROM topic_statistics WHERE student_id = $1 AND subject = $2 AND topic = $3";
            Assert.Equal(topic.Count(), await fixture.ScalarAsync<int>(string.Format(System.Globalization.CultureInfo.InvariantCulture, Sql, "attempts"), studentId, Subject, topic.Key));
            Assert.Equal(topic.Count(id => fixture.Bank[id].AnswerKey == 0), await fixture.ScalarAsync<int>(string.Format(System.Globalization.CultureInfo.InvariantCulture, Sql, "correct"), studentId, Subject, topic.Key));
        }
        Assert.Equal((long)answered.Select(id => fixture.Bank[id].Topic).Distinct().Count(),
            await fixture.ScalarAsync<long>("SELECT count(*) FROM topic_statistics WHERE student_id = $1", studentId));
    }

    public static TheoryData<string, HttpStatusCode, string> BadStarts => new()
    {
        { "{}", HttpStatusCode.BadRequest, "studentId" },
        { """{"subject":"test-math"}""", HttpStatusCode.BadRequest, "studentId" },
        { """{"studentId":7,"subject":"test-math"}""", HttpStatusCode.BadRequest, "studentId" },
        { """{"studentId":"s","subject":["test-math"]}""", HttpStatusCode.BadRequest, "subject" },
        { """{"studentId":"KNOWN","subject":"no-such-subject"}""", HttpStatusCode.NotFound, "subject" },
        { """{"studentId":"nobody-knows-me","subject":"test-math"}""", HttpStatusCode.NotFound, "studentId" },
        { """{"studentId":"KNOWN","subject":"test-math","size":0}""", HttpStatusCode.BadRequest, "size" },
        { """{"studentId":"KNOWN","subject":"test-math","size":10000}""", HttpStatusCode.BadRequest, "size" },
        { """{"studentId":"KNOWN","subject":"test-math","size":61}""", HttpStatusCode.BadRequest, "size" },
        { """{"studentId":"KNOWN","subject":"test-math","size":"ten"}""", HttpStatusCode.BadRequest, "size" },
        { """{"studentId":"KNOWN","subject":"test-math","size":2.5}""", HttpStatusCode.BadRequest, "size" },
        { """{"studentId":"KNOWN","subject":"test-math","mix":{"weak":"lots"}}""", HttpStatusCode.BadRequest, "mix.weak" },
        { """{"studentId":"KNOWN","subject":"test-math","mix":{"weak":-1,"current":2}}""", HttpStatusCode.BadRequest, "mix" },
        { """{"studentId":"KNOWN","subject":"test-math","mix":{}}""", HttpStatusCode.BadRequest, "mix" },
        { """{"studentId":"KNOWN","subject":"test-math","mix":[40,30,30]}""", HttpStatusCode.BadRequest, "mix" },
        { """{"studentId":"KNOWN","subject":"test-math","seed":-1}""", HttpStatusCode.BadRequest, "seed" },
        { """{"studentId":"KNOWN","subject":"test-math","seed":"abc"}""", HttpStatusCode.BadRequest, "seed" },
        { "[]", HttpStatusCode.BadRequest, "body" },
        { "not json", HttpStatusCode.BadRequest, "body" },
    };

    [Theory]
    [MemberData(nameof(BadStarts))]
    public async Task BadRequestsAreProblemDetailsNamingTheFieldAndCreateNothing(string body, HttpStatusCode status, string field)
    {
        var (studentId, _) = await practice.KnownStudentAsync(Subject);
        var sessions = await fixture.ScalarAsync<long>("SELECT count(*) FROM practice_sessions");

        // With the credential of the student the body names (the known one when it names no usable id), so that the body
        // itself is what gets refused.
        var raw = body.Replace("KNOWN", studentId, StringComparison.Ordinal);
        var named = NamedStudent(raw) is { Length: > 0 and <= 100 } id && !string.IsNullOrWhiteSpace(id) ? id : studentId;
        var response = await practice.Client.PostRawAsync("/api/practice/sessions", raw, await practice.Client.StudentTokenAsync(named));

        Assert.True(response.Status == status, $"{body}: {(int)response.Status} {response.Body}");
        Assert.Equal("application/problem+json", response.Message.Content.Headers.ContentType?.MediaType);
        Assert.True(field == response.Field, $"{body}: expected field '{field}', got {response.Body}");
        Assert.Equal(sessions, await fixture.ScalarAsync<long>("SELECT count(*) FROM practice_sessions"));
    }

    [Fact]
    public async Task SessionCallsNeedTheSessionsTokenAndAValidId()
    {
        var (studentId, exam) = await practice.KnownStudentAsync(Subject);
        var session = await practice.StartSessionAsync(studentId, Subject, size: 2);

        Assert.Equal(HttpStatusCode.Unauthorized, (await practice.Client.GetAsync($"/api/practice/sessions/{session.SessionId}", null)).Status);
        // An exam's token is not this session's.
        Assert.Equal(HttpStatusCode.Unauthorized, (await practice.Client.GetAsync($"/api/practice/sessions/{session.SessionId}", exam.Token)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await practice.Client.PostJsonAsync($"/api/practice/sessions/{session.SessionId}/complete", new { }, exam.Token)).Status);
        Assert.Equal("sessionId", (await practice.Client.GetAsync("/api/practice/sessions/not-a-guid", session.Token)).Field);
        var wrongType = await practice.Client.PostRawAsync($"/api/practice/sessions/{session.SessionId}/answers", """{"itemId":"one","response":0}""", session.Token);
        Assert.Equal("itemId", wrongType.Field);
        var missing = await practice.Client.PostRawAsync($"/api/practice/sessions/{session.SessionId}/answers", """{"itemId":1}""", session.Token);
        Assert.Equal("response", missing.Field);
    }

    private static string? NamedStudent(string body)
    {
        try
        {
            return System.Text.Json.Nodes.JsonNode.Parse(body) is System.Text.Json.Nodes.JsonObject json && json["studentId"] is System.Text.Json.Nodes.JsonValue value
                && value.TryGetValue<string>(out var id) ? id : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
