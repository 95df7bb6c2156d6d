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
        writer.Double(plan.Mix.Weak);
        writer.Double(plan.Mix.Current);
        writer.Double(plan.Mix.Revision);
        writer.Time(plan.CreatedAt);
        writer.Count(plan.Sections.Count);
        foreach (var section in plan.Sections)
        {
            writer.Text(section.Name);
            writer.Count(section.Topics.Count);
            foreach (var topic in section.Topics)
            {
                writer.Text(topic.Topic);
                writer.Double(topic.Theta);
                writer.OptionalDouble(topic.Se);
                writer.Text(topic.Reason);
            }
            writer.Count(section.Questions.Count);
            foreach (var question in section.Questions)
            {
                writer.Count(question.Position);
                writer.Integer(question.ItemId);
                writer.Text(question.Topic);
                writer.Text(question.Content);
                writer.Count(question.Options.Count);
                foreach (var option in question.Options) writer.Text(option);
            }
        }
        writer.Count(plan.Notes.Count);
        foreach (var note in plan.Notes) writer.Text(note);
        return writer.ToArray();
    }

    /// <summary>Reads <see cref="ToBytes"/>'s form.</summary>
    public static PracticePlan FromBytes(byte[] value)
    {
        var reader = new CompactReader(value, Format);
        if (!Guid.TryParseExact(reader.Text(), "N", out var sessionId)) throw new FormatException("Cache value holds no session id.");
        var studentId = reader.Text();
        var subject = reader.Text();
        var seed = reader.Integer();
        var size = reader.Count();
        var mix = new PracticeMix(reader.Double(), reader.Double(), reader.Double());
        var createdAt = reader.Time();
        var sections = new PracticeSection[reader.Count()];
        for (var s = 0; s < sections.Length; s++)
        {
            var name = reader.Text();
            var topics = new PracticeTopic[reader.Count()];
            for (var t = 0; t < topics.Length; t++) topics[t] = new PracticeTopic(reader.Text(), reader.Double(), reader.OptionalDouble(), reader.Text());
            var questions = new PracticeQuestion[reader.Count()];
            for (var q = 0; q < questions.Length; q++)
            {
                var position = reader.Count();
                var itemId = reader.Integer();
                var topic = reader.Text();
                var content = reader.Text();
                var options = new string[reader.Count()];
                for (var o = 0; o < options.Length; o++) options[o] = reader.Text();
                questions[q] = new PracticeQuestion(position, itemId, topic, content, options);
            }
            sections[s] = new PracticeSection(name, topics, questions);
        }
        var notes = new string[reader.Count()];
        for (var n = 0; n < notes.Length; n++) notes[n] = reader.Text();
        reader.End();
        return new PracticePlan(sessionId, studentId, subject, seed, size, mix, createdAt, sections, notes);
    }
}
