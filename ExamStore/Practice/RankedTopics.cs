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

    /// <summary>No topics.</summary>
    public static RankedTopics None { get; } = new([]);

    /// <summary>Compact binary form.</summary>
    public byte[] ToBytes()
    {
        var writer = new CompactWriter(Format);
        writer.Count(Topics.Count);
        foreach (var topic in Topics)
        {
            writer.Text(topic.Topic);
            writer.Text(topic.Reason);
        }
        return writer.ToArray();
    }

    /// <summary>Reads <see cref="ToBytes"/>'s form.</summary>
    public static RankedTopics FromBytes(byte[] value)
    {
        var reader = new CompactReader(value, Format);
        var topics = new RankedTopic[reader.Count()];
        for (var t = 0; t < topics.Length; t++) topics[t] = new RankedTopic(reader.Text(), reader.Text());
        reader.End();
        return new RankedTopics(topics);
    }
}
