namespace ExamStore.Practice;

/// <summary>The compact binary form of a <see cref="PracticePlan"/> in the <c>practice:session</c> layer: questions without keys.</summary>
public static class PracticePlanCodec
{
    private const byte Format = 1;

    /// <summary>Writes a plan.</summary>
    public static byte[] ToBytes(PracticePlan plan)
    {
        var writer = new CompactWriter(Format);
        writer.Text(plan.SessionId.ToString("N"));
        writer.Text(plan.StudentId);
        writer.Text(plan.Subject);
        writer.Integer(plan.Seed);
        writer.Count(plan.Size);
        writer.Mix(plan.Mix);
        writer.Time(plan.CreatedAt);
        writer.List(plan.Sections, static (w, section) =>
        {
            w.Text(section.Name);
            w.List(section.Topics, static (t, topic) =>
            {
                t.Text(topic.Topic);
                t.Double(topic.Theta);
                t.OptionalDouble(topic.Se);
                t.Text(topic.Reason);
            });
            w.List(section.Questions, static (q, question) =>
            {
                q.Count(question.Position);
                q.Integer(question.ItemId);
                q.Text(question.Topic);
                q.Text(question.Content);
                q.List(question.Options, static (o, option) => o.Text(option));
            });
        });
        writer.List(plan.Notes, static (w, note) => w.Text(note));
        return writer.ToArray();
    }

    /// <summary>Reads <see cref="ToBytes"/>'s form.</summary>
    public static PracticePlan FromBytes(byte[] value)
    {
        var reader = new CompactReader(value, Format);
        if (!Guid.TryParseExact(reader.Text(), "N", out var sessionId)) throw new FormatException("Cache value holds no session id.");
        var plan = new PracticePlan(sessionId, reader.Text(), reader.Text(), reader.Integer(), reader.Count(), reader.Mix(), reader.Time(),
            reader.List(static (ref CompactReader r) => new PracticeSection(
                r.Text(),
                r.List(static (ref CompactReader t) => new PracticeTopic(t.Text(), t.Double(), t.OptionalDouble(), t.Text())),
                r.List(static (ref CompactReader q) => new PracticeQuestion(q.Count(), q.Integer(), q.Text(), q.Text(), q.Texts())))),
            reader.Texts());
        reader.End();
        return plan;
    }
}
