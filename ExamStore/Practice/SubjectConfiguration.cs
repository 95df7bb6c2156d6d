using ExamStore.Bank;

namespace ExamStore.Practice;

/// <summary>A topic of a subject and how many active items it has.</summary>
public sealed record SubjectTopic(string Topic, int ActiveItems);

/// <summary>
/// How sessions of a subject are generated: its topics (ordinal order) with their active item counts, and the default
/// size and mix. The value of the <c>session:config</c> layer (our equivalent of the per stream and grade
/// configuration); it follows the subject's items, so an item change drops it with the question sets.
/// </summary>
public sealed record SubjectConfiguration(string Subject, IReadOnlyList<SubjectTopic> Topics, int DefaultSize, PracticeMix DefaultMix)
{
    private const byte Format = 1;

    /// <summary>Items that can be served.</summary>
    public int ActiveItems => Topics.Sum(t => t.ActiveItems);

    /// <summary>The configuration of a subject's current bank.</summary>
    public static SubjectConfiguration From(BankSnapshot snapshot, PracticeOptions options)
    {
        var retired = snapshot.RetiredIndices.ToHashSet();
        var topics = Enumerable.Range(0, snapshot.ItemIds.Count).Where(index => !retired.Contains(index))
            .GroupBy(index => snapshot.Bank.TopicOf(index), StringComparer.Ordinal)
            .Select(group => new SubjectTopic(group.Key, group.Count()))
            .OrderBy(topic => topic.Topic, StringComparer.Ordinal)
            .ToArray();
        return new SubjectConfiguration(snapshot.Subject, topics, options.DefaultSize, options.DefaultMix);
    }

    /// <summary>Compact binary form.</summary>
    public byte[] ToBytes()
    {
        var writer = new CompactWriter(Format);
        writer.Text(Subject);
        writer.List(Topics, static (w, topic) =>
        {
            w.Text(topic.Topic);
            w.Count(topic.ActiveItems);
        });
        writer.Count(DefaultSize);
        writer.Mix(DefaultMix);
        return writer.ToArray();
    }

    /// <summary>Reads <see cref="ToBytes"/>'s form.</summary>
    public static SubjectConfiguration FromBytes(byte[] value)
    {
        var reader = new CompactReader(value, Format);
        var configuration = new SubjectConfiguration(
            reader.Text(), reader.List(static (ref CompactReader r) => new SubjectTopic(r.Text(), r.Count())), reader.Count(), reader.Mix());
        reader.End();
        return configuration;
    }
}
