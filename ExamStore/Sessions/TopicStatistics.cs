using ExamStore.Bank;

namespace ExamStore.Sessions;

/// <summary>
/// How answers fold into <c>topic_statistics</c>, the per-topic running record that practice sessions choose their
/// weak and revision topics from: attempts, correct answers, recent accuracy, last seen, and a spaced-repetition
/// interval. Practice answers fold one at a time; a completed exam folds its answers per topic at completion.
/// </summary>
public static class TopicStatistics
{
    /// <summary>Weight of the older answers in the recent accuracy, per newer answer (exponentially weighted average).</summary>
    public const double AccuracyDecay = 0.7;

    /// <summary>
    /// Answers per topic and how many were correct, in ordinal topic order, from bank indices and scored responses
    /// (1 = correct).
    /// </summary>
    public static (string[] Topics, int[] Answers, int[] Correct) Tally(BankSnapshot snapshot, ReadOnlySpan<int> items, ReadOnlySpan<int> responses)
    {
        var byTopic = new SortedDictionary<string, (int Answers, int Correct)>(StringComparer.Ordinal);
        for (var k = 0; k < items.Length; k++)
        {
            var topic = snapshot.Bank.TopicOf(items[k]);
            var (answers, correct) = byTopic.GetValueOrDefault(topic);
            byTopic[topic] = (answers + 1, correct + responses[k]);
        }
        return ([.. byTopic.Keys], [.. byTopic.Values.Select(v => v.Answers)], [.. byTopic.Values.Select(v => v.Correct)]);
    }

    /// <summary>
    /// One statement that folds answers into <c>topic_statistics</c>. <paramref name="student"/> is a FROM item aliased
    /// <c>f</c> with the columns <c>student_id</c> and <c>subject</c>; the other arguments are SQL placeholders of the
    /// topics (text[]), answers and correct answers per topic (integer[]) and the time they were given.
    /// </summary>
    /// <remarks>
    /// A topic answered at least half right is a good review: when it was due (its next review time has come) the
    /// interval doubles, up to 64 days; before that it stays. A poor review brings the topic back after one day.
    /// </remarks>
    public static string FoldSql(string student, string topics, string answers, string correct, string at) => $"""
        INSERT INTO topic_statistics AS t (student_id, subject, topic, attempts, correct, recent_accuracy, last_seen_at, review_interval, next_review_at)
        SELECT f.student_id, f.subject, s.topic, s.answers, s.correct, s.correct::double precision / s.answers, {at},
            CASE WHEN s.correct * 2 >= s.answers THEN interval '2 days' ELSE interval '1 day' END,
            {at} + CASE WHEN s.correct * 2 >= s.answers THEN interval '2 days' ELSE interval '1 day' END
        FROM {student} CROSS JOIN unnest({topics}::text[], {answers}::integer[], {correct}::integer[]) AS s (topic, answers, correct)
        WHERE s.answers > 0
        ON CONFLICT (student_id, subject, topic) DO UPDATE SET
            attempts = t.attempts + EXCLUDED.attempts,
            correct = t.correct + EXCLUDED.correct,
            recent_accuracy = t.recent_accuracy * power({AccuracyDecay}, EXCLUDED.attempts)
                + EXCLUDED.recent_accuracy * (1 - power({AccuracyDecay}, EXCLUDED.attempts)),
            last_seen_at = greatest(t.last_seen_at, EXCLUDED.last_seen_at),
            review_interval = CASE WHEN EXCLUDED.correct * 2 < EXCLUDED.attempts THEN interval '1 day'
                WHEN EXCLUDED.last_seen_at >= t.next_review_at THEN least(t.review_interval * 2, interval '64 days')
                ELSE t.review_interval END,
            next_review_at = CASE WHEN EXCLUDED.correct * 2 < EXCLUDED.attempts THEN EXCLUDED.last_seen_at + interval '1 day'
                WHEN EXCLUDED.last_seen_at >= t.next_review_at THEN EXCLUDED.last_seen_at + least(t.review_interval * 2, interval '64 days')
                ELSE t.next_review_at END
        """;
}
