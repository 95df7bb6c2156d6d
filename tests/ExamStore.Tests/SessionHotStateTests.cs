using Engine.State;
using ExamStore.HotState;

namespace ExamStore.Tests;

/// <summary>The hot state's compact form: exact round trips, its size, and refusal of anything else.</summary>
public sealed class SessionHotStateTests
{
    private static readonly DateTime Now = new(2026, 11, 22, 15, 30, 12, 345, DateTimeKind.Utc);

    private static SessionHotState ThirtyAnswers(long designKey, DateTime? expiresAt, DateTime servedAt)
    {
        var random = new Random(3);
        var items = Enumerable.Range(0, 500).OrderBy(_ => random.Next()).Take(30).ToArray();
        var responses = items.Select(_ => random.Next(2)).ToArray();
        var exam = new ExamState(items, responses, -0.123456789012345, 0.2987654321, 417, finished: false);
        return new SessionHotState("mathematics", 12_345, designKey, -1_234_567, Now, servedAt, expiresAt, exam);
    }

    [Theory]
    [InlineData(1L, null, 0)]
    [InlineData(300L, 3_600_000L, 0)]
    [InlineData(long.MaxValue, -5_000L, -1_500)]
    public void RoundTripsEveryField(long designKey, long? expiresInMs, int servedOffsetMs)
    {
        var state = ThirtyAnswers(designKey, expiresInMs is { } ms ? Now.AddMilliseconds(ms) : null, Now.AddMilliseconds(servedOffsetMs));
        var back = SessionHotState.FromBytes(state.ToBytes());

        Assert.Equal(state.Subject, back.Subject);
        Assert.Equal(state.BankVersion, back.BankVersion);
        Assert.Equal(state.DesignKey, back.DesignKey);
        Assert.Equal(state.Seed, back.Seed);
        Assert.Equal(state.LastActivity, back.LastActivity);
        Assert.Equal(state.ServedAt, back.ServedAt);
        Assert.Equal(state.ExpiresAt, back.ExpiresAt);
        Assert.Equal(state.Exam.Items.ToArray(), back.Exam.Items.ToArray());
        Assert.Equal(state.Exam.Responses.ToArray(), back.Exam.Responses.ToArray());
        Assert.Equal(state.Exam.CurrentItem, back.Exam.CurrentItem);
        // θ and SE stay out of Redis; readers replay them (ExamEngine.WithEstimate).
        Assert.False(back.Exam.HasEstimate);
    }

    [Fact]
    public void TheBytesAreExactlyTheStoredForm()
    {
        // Redis holds live sessions in this form: any other byte would make them unreadable or read wrong.
        var random = new Random(3);
        var items = Enumerable.Range(0, 500).OrderBy(_ => random.Next()).Take(30).ToArray();
        var responses = items.Select(_ => random.Next(2)).ToArray();
        var exam = new ExamState(items, responses, -0.123456789012345, 0.2987654321, 417, finished: false);
        var state = new SessionHotState("mathématiques", 12_345, 300, -1_234_567, Now, Now.AddMilliseconds(-1_500), Now.AddHours(1), exam);

        Assert.Equal(
            "0301B960AC027929EDFFF9A9849FA034B71780BAB7030E6D617468C3A96D617469717565730206A1031E0966E5F88A125D2BA4CADF986F36DA006DFA5FEB1B661D8E2B4DD9103151CF50F3EA0201DAE99D00",
            Convert.ToHexString(state.ToBytes()));
    }

    [Fact]
    public void ThirtyAnswersFromA500ItemBankFitRedisEightyByteAllocation()
    {
        // Redis stores the value with a 3-byte header and a terminator; 80 bytes is the allocation class that keeps a
        // session (key, value, expiry, index entry) under the 256-byte target.
        var bytes = ThirtyAnswers(12, null, Now).ToBytes();
        Assert.True(bytes.Length + 4 <= 80, $"the hot state of 30 answers takes {bytes.Length} bytes");
    }

    [Fact]
    public void AnythingElseIsAFormatException()
    {
        var bytes = ThirtyAnswers(12, Now.AddHours(1), Now).ToBytes();
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<FormatException>(() => SessionHotState.FromBytes(bytes.AsSpan(0, length)));
        }
        var otherFormat = (byte[])bytes.Clone();
        otherFormat[0] = 1;
        Assert.Contains("format 1", Assert.Throws<FormatException>(() => SessionHotState.FromBytes(otherFormat)).Message);
        var badFlags = (byte[])bytes.Clone();
        badFlags[1] = 0xf0;
        Assert.Throws<FormatException>(() => SessionHotState.FromBytes(badFlags));
    }
}
