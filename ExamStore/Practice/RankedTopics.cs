namespace ExamStore.Practice;

/// <summary>A topic a source picked, and why.</summary>
public sealed record RankedTopic(string Topic, string Reason);

/// <summary>
/// The topics one source (weak, current, revision) offers a student in a subject, best first: the value of the
/// <c>weak:concepts</c>, <c>current:topics</c> and <c>revision:topics</c> layers.
/// </summary>
public sealed record RankedTopics(IReadOnlyList<RankedTopic> Topics)
{
    private const byte Format = 1;

    /// <summary>Compact binary form.</summary>
    public byte[] ToBytes()
    {
        var writer = new CompactWriter(Format);
        writer.List(Topics, static (w, topic) =>
        {
            w.Text(topic.Topic);
            w.Text(topic.Reason);
        });
        return writer.ToArray();
    }

    /// <summary>Reads <see cref="ToBytes"/>'s form.</summary>
    public static RankedTopics FromBytes(byte[] value)
    {
        var reader = new CompactReader(value, Format);
        var topics = reader.List(static (ref CompactReader r) => new RankedTopic(r.Text(), r.Text()));
        reader.End();
        return new RankedTopics(topics);
    }
}
