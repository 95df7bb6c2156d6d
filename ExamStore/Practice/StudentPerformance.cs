namespace ExamStore.Practice;

/// <summary>What the student's record says of one topic: the exams' estimate and the running statistics, either may be absent.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Theta">Long-term θ from completed exams (student_proficiencies), if any.</param>
/// <param name="Se">Its standard error (null when unknown or infinite).</param>
/// <param name="Attempts">Answers counted in topic_statistics (0 when none).</param>
/// <param name="RecentAccuracy">Exponentially weighted accuracy, if any answers.</param>
/// <param name="LastSeenAt">Last answer in the topic (exam completion or practice), if any.</param>
/// <param name="NextReviewAt">When the topic is due for review, if any answers.</param>
public sealed record TopicRecord(string Topic, double? Theta, double? Se, int Attempts, double? RecentAccuracy, DateTime? LastSeenAt, DateTime? NextReviewAt);

/// <summary>An item the student answered recently (exam or practice).</summary>
public sealed record RecentAnswer(long ItemId, string Topic, DateTime AnsweredAt);

/// <summary>A student's record in one subject.</summary>
/// <param name="Subject">The subject.</param>
/// <param name="Theta">Overall θ from completed exams, if any.</param>
/// <param name="Se">Its standard error.</param>
/// <param name="Topics">Per topic, ordinal order.</param>
/// <param name="Recent">Answers since <see cref="StudentPerformance.Since"/>, newest first.</param>
public sealed record SubjectPerformance(string Subject, double? Theta, double? Se, IReadOnlyList<TopicRecord> Topics, IReadOnlyList<RecentAnswer> Recent)
{
    /// <summary>True when the student has no record at all in the subject (a new student there).</summary>
    public bool IsEmpty => Theta is null && Topics.Count == 0 && Recent.Count == 0;

    /// <summary>The record of a topic, or null.</summary>
    public TopicRecord? Topic(string topic) => Topics.FirstOrDefault(t => t.Topic == topic);

    /// <summary>The θ items of a topic are chosen at: the topic's, else the subject's, else 0; and its SE.</summary>
    public (double Theta, double? Se) EstimateFor(string topic) =>
        Topic(topic) is { Theta: { } theta } record ? (theta, record.Se)
        : Theta is { } overall ? (overall, Se)
        : (0, null);
}

/// <summary>
/// A student's record in every subject: the value of the <c>user:performance</c> layer, from which the weak, current
/// and revision topics are derived, and what item choice needs (topic θ, recently answered items).
/// </summary>
/// <param name="StudentId">The student.</param>
/// <param name="Since">Start of the recent window the recent answers cover.</param>
/// <param name="Subjects">Subjects with any record, ordinal order.</param>
public sealed record StudentPerformance(string StudentId, DateTime Since, IReadOnlyList<SubjectPerformance> Subjects)
{
    private const byte Format = 1;

    /// <summary>
    /// True when the student had an exam running when the record was read: its answers will change the record without
    /// telling the cache, so neither the record nor anything derived from it is cached. Not part of the cached form,
    /// which only ever holds records read with no exam running.
    /// </summary>
    public bool ExamRunning { get; init; }

    /// <summary>The record in a subject (empty when there is none).</summary>
    public SubjectPerformance In(string subject) =>
        Subjects.FirstOrDefault(s => s.Subject == subject) ?? new SubjectPerformance(subject, null, null, [], []);

    /// <summary>Compact binary form (see <see cref="CompactWriter"/>).</summary>
    public byte[] ToBytes()
    {
        var writer = new CompactWriter(Format);
        writer.Text(StudentId);
        writer.Time(Since);
        writer.List(Subjects, static (w, subject) =>
        {
            w.Text(subject.Subject);
            w.OptionalDouble(subject.Theta);
            w.OptionalDouble(subject.Se);
            w.List(subject.Topics, static (t, topic) =>
            {
                t.Text(topic.Topic);
                t.OptionalDouble(topic.Theta);
                t.OptionalDouble(topic.Se);
                t.Count(topic.Attempts);
                t.OptionalDouble(topic.RecentAccuracy);
                t.OptionalTime(topic.LastSeenAt);
                t.OptionalTime(topic.NextReviewAt);
            });
            w.List(subject.Recent, static (r, answer) =>
            {
                r.Integer(answer.ItemId);
                r.Text(answer.Topic);
                r.Time(answer.AnsweredAt);
            });
        });
        return writer.ToArray();
    }

    /// <summary>Reads <see cref="ToBytes"/>'s form.</summary>
    public static StudentPerformance FromBytes(byte[] value)
    {
        var reader = new CompactReader(value, Format);
        var performance = new StudentPerformance(reader.Text(), reader.Time(), reader.List(static (ref CompactReader r) => new SubjectPerformance(
            r.Text(), r.OptionalDouble(), r.OptionalDouble(),
            r.List(static (ref CompactReader t) => new TopicRecord(t.Text(), t.OptionalDouble(), t.OptionalDouble(), t.Count(), t.OptionalDouble(), t.OptionalTime(), t.OptionalTime())),
            r.List(static (ref CompactReader a) => new RecentAnswer(a.Integer(), a.Text(), a.Time())))));
        reader.End();
        return performance;
    }
}
