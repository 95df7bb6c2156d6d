namespace ExamStore.Practice;

/// <summary>
/// The three topic sources of a practice session, from the student's record in a subject and the subject's topics.
/// Pure functions: the cache layers hold their results, and Postgres-only generation computes the same.
/// </summary>
public static class TopicSources
{
    /// <summary>
    /// Weak topics: those whose θ is below the student's overall θ (lowest first) interleaved with those whose recent
    /// accuracy is below <see cref="PracticeOptions.WeakAccuracy"/> (lowest first). Without any, topics the student has
    /// neither a record in nor a recent answer; without those, the relatively weakest. A student with no record in the
    /// subject gets every topic.
    /// </summary>
    public static RankedTopics Weak(SubjectPerformance record, SubjectConfiguration configuration, PracticeOptions options)
    {
        var topics = configuration.Topics.Select(t => t.Topic).ToArray();
        if (record.IsEmpty) return new RankedTopics(topics.Select(t => new RankedTopic(t, TopicReasons.NoHistory)).ToArray());

        var byTheta = record.Theta is { } overall
            ? topics.Select(t => (Topic: t, Gap: record.Topic(t)?.Theta - overall)).Where(t => t.Gap < 0).OrderBy(t => t.Gap).Select(t => t.Topic).ToArray()
            : [];
        var byAccuracy = topics.Select(t => (Topic: t, Accuracy: record.Topic(t)?.RecentAccuracy)).Where(t => t.Accuracy < options.WeakAccuracy)
            .OrderBy(t => t.Accuracy).Select(t => t.Topic).ToArray();
        var weak = new List<RankedTopic>();
        for (var k = 0; k < Math.Max(byTheta.Length, byAccuracy.Length) && weak.Count < options.TopicsPerSection; k++)
        {
            if (k < byTheta.Length && weak.All(w => w.Topic != byTheta[k])) weak.Add(new RankedTopic(byTheta[k], TopicReasons.LowTheta));
            if (k < byAccuracy.Length && weak.Count < options.TopicsPerSection && weak.All(w => w.Topic != byAccuracy[k])) weak.Add(new RankedTopic(byAccuracy[k], TopicReasons.LowAccuracy));
        }
        if (weak.Count > 0) return new RankedTopics(weak);

        var recent = record.Recent.Select(a => a.Topic).ToHashSet(StringComparer.Ordinal);
        var unseen = topics.Where(t => record.Topic(t) is null && !recent.Contains(t)).Take(options.TopicsPerSection)
            .Select(t => new RankedTopic(t, TopicReasons.NoHistory)).ToArray();
        if (unseen.Length > 0) return new RankedTopics(unseen);
        var weakest = topics.OrderBy(t => record.Topic(t)?.Theta ?? double.MaxValue).ThenBy(t => record.Topic(t)?.RecentAccuracy ?? 1).First();
        return new RankedTopics([new RankedTopic(weakest, TopicReasons.Weakest)]);
    }

    /// <summary>Current topics: those of the student's answers in the recent window, most recent first.</summary>
    public static RankedTopics Current(SubjectPerformance record, SubjectConfiguration configuration, PracticeOptions options) =>
        new(record.Recent.Select(a => a.Topic).Distinct(StringComparer.Ordinal)
            .Where(topic => configuration.Topics.Any(t => t.Topic == topic))
            .Take(options.TopicsPerSection)
            .Select(topic => new RankedTopic(topic, TopicReasons.Recent)).ToArray());

    /// <summary>
    /// Revision topics: topics practised or examined before whose next review is due (most overdue first), then those
    /// not seen for longest; a topic answered in the recent window comes only when due.
    /// </summary>
    public static RankedTopics Revision(SubjectPerformance record, SubjectConfiguration configuration, DateTime now, PracticeOptions options)
    {
        var seen = record.Topics.Where(t => t.LastSeenAt is not null && configuration.Topics.Any(c => c.Topic == t.Topic)).ToArray();
        var due = seen.Where(t => t.NextReviewAt <= now).OrderBy(t => t.NextReviewAt).ThenBy(t => t.Topic, StringComparer.Ordinal)
            .Select(t => new RankedTopic(t.Topic, TopicReasons.Due));
        var recent = record.Recent.Select(a => a.Topic).ToHashSet(StringComparer.Ordinal);
        var unseen = seen.Where(t => !(t.NextReviewAt <= now) && !recent.Contains(t.Topic)).OrderBy(t => t.LastSeenAt).ThenBy(t => t.Topic, StringComparer.Ordinal)
            .Select(t => new RankedTopic(t.Topic, TopicReasons.LongestUnseen));
        return new RankedTopics(due.Concat(unseen).Take(options.TopicsPerSection).ToArray());
    }
}
