using ExamStore.Practice;

namespace ExamStore.Tests;

/// <summary>The practice cache values' compact form: exact round trips, and refusal of anything else.</summary>
public sealed class PracticeCacheValueTests
{
    private static readonly DateTime Now = new(2026, 12, 2, 3, 4, 5, 678, DateTimeKind.Utc);

    private static StudentPerformance Performance() => new("stu:{1}", Now.AddDays(-7),
    [
        new SubjectPerformance("math", 0.1 / 3, null,
            [new TopicRecord("algebra", -1.25, 0.5, 7, 0.61, Now.AddDays(-2), Now.AddDays(3)), new TopicRecord("geometry", null, null, 0, null, null, null)],
            [new RecentAnswer(long.MaxValue, "algebra", Now), new RecentAnswer(3, "geometry", Now.AddMinutes(-1))]),
    ]);

    private static PracticePlan Plan() => new(Guid.CreateVersion7(), "stu", "math", (1L << 53) - 1, 2, new PracticeMix(0.4, 0, 0.6), Now,
    [
        new PracticeSection("weak", [new PracticeTopic("algebra", -1.25, null, "low-theta")], [new PracticeQuestion(1, 44, "algebra", "2x = 4?", ["1", "2", "ü"])]),
        new PracticeSection("current", [], []),
        new PracticeSection("revision", [new PracticeTopic("geometry", Math.PI, 0.3, "due")], [new PracticeQuestion(2, 9, "geometry", "", ["a", "b"])]),
    ], ["current: none"]);

    [Fact]
    public void EveryValueRoundTripsBitForBit()
    {
        var performance = Performance();
        var back = StudentPerformance.FromBytes(performance.ToBytes());
        Assert.Equal(performance.ToBytes(), back.ToBytes());
        Assert.Equal(0.1 / 3, back.In("math").Theta);
        Assert.Equal(performance.Subjects[0].Topics, back.Subjects[0].Topics);
        Assert.Equal(performance.Subjects[0].Recent, back.Subjects[0].Recent);

        var plan = Plan();
        var readPlan = PracticePlanCodec.FromBytes(PracticePlanCodec.ToBytes(plan));
        Assert.Equal(PracticePlanCodec.ToBytes(plan), PracticePlanCodec.ToBytes(readPlan));
        Assert.Equal(plan.SessionId, readPlan.SessionId);
        Assert.Equal(plan.Questions.Select(q => q.Question.Options.Count), readPlan.Questions.Select(q => q.Question.Options.Count));

        var set = new QuestionSet([new QuestionContent(5, "Why?", ["because", "so"])]);
        Assert.Equal(set.ToBytes(), QuestionSet.FromBytes(set.ToBytes()).ToBytes());
        var topics = new RankedTopics([new RankedTopic("a", "due"), new RankedTopic("b", "recent")]);
        Assert.Equal(topics.Topics, RankedTopics.FromBytes(topics.ToBytes()).Topics);
    }

    [Fact]
    public void TruncatedExtendedOrOtherFormatValuesAreFormatExceptions()
    {
        var bytes = PracticePlanCodec.ToBytes(Plan());
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<FormatException>(() => PracticePlanCodec.FromBytes(bytes[..length]));
        }
        Assert.Throws<FormatException>(() => PracticePlanCodec.FromBytes([.. bytes, 0]));
        var performance = Performance().ToBytes();
        performance[0] = 9;
        Assert.Contains("format 9", Assert.Throws<FormatException>(() => StudentPerformance.FromBytes(performance)).Message);
    }

    [Fact]
    public void KeysCarryTheScopeAsAHashTagAndEscapeWhatWouldBreakIt()
    {
        Assert.Equal("weak:concepts:{ada}:math", PracticeCacheKeys.Entry(CacheLayer.WeakConcepts, "ada", "math"));
        Assert.Equal("user:performance:{a%7Db%3Ac}", PracticeCacheKeys.Entry(CacheLayer.UserPerformance, "a}b:c"));
        Assert.Equal("questions:subject:{math}:x%3Ay", PracticeCacheKeys.Entry(CacheLayer.QuestionSets, "math", "x:y"));
        Assert.NotEqual(PracticeCacheKeys.Entry(CacheLayer.WeakConcepts, "a}", "b"), PracticeCacheKeys.Entry(CacheLayer.WeakConcepts, "a", "}:b"));
        Assert.Equal("user:keys:{ada}", PracticeCacheKeys.Index(CacheScope.Student, "ada"));
        Assert.Equal("subject:epoch:{math}", PracticeCacheKeys.Epoch(CacheScope.Subject, "math"));
        Assert.All(CacheLayer.All, layer => Assert.Same(layer, CacheLayer.Of(PracticeCacheKeys.Entry(layer, "s", "t"))));
        Assert.Null(CacheLayer.Of("ex:{abc}"));
    }

    [Fact]
    public void SharesSplitByLargestRemainderAndAnEmptySectionsShareMovesToTheOthers()
    {
        Assert.Equal([4, 3, 3], SectionAllocation.LargestRemainder(10, [40, 30, 30]));
        Assert.Equal([3, 3, 3], SectionAllocation.LargestRemainder(9, [40, 30, 30]));
        Assert.Equal([2, 1, 1], SectionAllocation.LargestRemainder(4, [40, 30, 30]));
        Assert.Equal([1, 1, 1], SectionAllocation.LargestRemainder(3, [1, 1, 1]));
        RankedTopics Some() => new([new RankedTopic("t", "x")]);
        var (slots, notes) = SectionAllocation.Allocate(10, new PracticeMix(40, 30, 30), [Some(), new RankedTopics([]), Some()], new PracticeOptions());
        Assert.Equal([6, 0, 4], slots);
        Assert.Equal("current: no attempts in the last 7 days; its share went to weak and revision", Assert.Single(notes));
        var (only, _) = SectionAllocation.Allocate(5, new PracticeMix(0, 1, 0), [Some(), new RankedTopics([]), Some()], new PracticeOptions());
        Assert.Equal([5, 0, 0], only);
    }
}
