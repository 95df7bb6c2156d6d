using ExamStore.Bank;

namespace ExamStore.Practice;

/// <summary>A section's topics and the items chosen for it, in order.</summary>
public sealed record ChosenSection(string Name, IReadOnlyList<PracticeTopic> Topics, IReadOnlyList<(string Topic, long ItemId)> Items);

/// <summary>
/// Chooses a session's items, section by section, turn about over each section's topics: in a topic, the items not
/// answered in the recent window (all of them once none is left) are ranked by Fisher information at the student's θ
/// in that topic, and one of the best few is drawn with the session's seeded random. An item is used once. A section
/// whose topics run out of items takes the subject's other topics (reason "fill").
/// </summary>
public static class ItemChooser
{
    /// <summary>Reason of a topic a section took because its own topics ran out of items.</summary>
    public const string FillReason = "fill";

    /// <summary>The items of every section; the same inputs and seed give the same choice.</summary>
    public static IReadOnlyList<ChosenSection> Choose(
        BankSnapshot snapshot, SubjectConfiguration configuration, SubjectPerformance record,
        IReadOnlyList<RankedTopics> sources, IReadOnlyList<int> slots, Random random, int candidates)
    {
        var retired = snapshot.RetiredIndices.ToHashSet();
        var byTopic = Enumerable.Range(0, snapshot.ItemIds.Count).Where(index => !retired.Contains(index))
            .GroupBy(index => snapshot.Bank.TopicOf(index), StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.ToList(), StringComparer.Ordinal);
        var recent = record.Recent.Select(a => a.ItemId).ToHashSet();
        var used = new HashSet<int>();
        var sections = new List<ChosenSection>(sources.Count);
        for (var s = 0; s < sources.Count; s++)
        {
            var topics = sources[s].Topics.Select(t => Topic(record, t.Topic, t.Reason)).ToList();
            var rotation = topics.Select(t => t.Topic).ToList();
            var items = new List<(string, long)>(slots[s]);
            var turn = 0;
            while (items.Count < slots[s])
            {
                if (rotation.Count == 0)
                {
                    var fill = configuration.Topics.Select(t => t.Topic).FirstOrDefault(t => topics.All(p => p.Topic != t) && HasUnused(byTopic, t, used));
                    if (fill is null) break;
                    topics.Add(Topic(record, fill, FillReason));
                    rotation.Add(fill);
                }
                var topic = rotation[turn % rotation.Count];
                var theta = topics.First(t => t.Topic == topic).Theta;
                if (Pick(snapshot, byTopic.GetValueOrDefault(topic) ?? [], used, recent, theta, random, candidates) is { } index)
                {
                    used.Add(index);
                    items.Add((topic, snapshot.ItemIds[index]));
                    turn++;
                }
                else
                {
                    rotation.Remove(topic);
                }
            }
            sections.Add(new ChosenSection(PracticeSections.All[s], topics, items));
        }
        return sections;
    }

    private static PracticeTopic Topic(SubjectPerformance record, string topic, string reason)
    {
        var (theta, se) = record.EstimateFor(topic);
        return new PracticeTopic(topic, theta, se, reason);
    }

    private static bool HasUnused(Dictionary<string, List<int>> byTopic, string topic, HashSet<int> used) =>
        byTopic.TryGetValue(topic, out var items) && items.Any(index => !used.Contains(index));

    private static int? Pick(BankSnapshot snapshot, List<int> items, HashSet<int> used, HashSet<long> recent, double theta, Random random, int candidates)
    {
        var unused = items.Where(index => !used.Contains(index)).ToArray();
        if (unused.Length == 0) return null;
        var fresh = unused.Where(index => !recent.Contains(snapshot.ItemIds[index])).ToArray();
        var ranked = (fresh.Length > 0 ? fresh : unused)
            .Select(index => (Index: index, Information: snapshot.Bank[index].Information(theta)))
            .OrderByDescending(c => c.Information).ThenBy(c => c.Index)
            .Take(candidates).ToArray();
        return ranked[random.Next(ranked.Length)].Index;
    }
}
