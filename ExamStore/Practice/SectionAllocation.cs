namespace ExamStore.Practice;

/// <summary>How many questions each section gets, and in words where that departs from the request.</summary>
public static class SectionAllocation
{
    /// <summary>
    /// Splits <paramref name="size"/> by <paramref name="mix"/> (largest remainder). A section whose source offers no
    /// topic hands its share to the sections that have topics, in proportion to their shares (or, when those asked for
    /// none, to the first of them), and a note says so.
    /// </summary>
    public static (int[] Slots, IReadOnlyList<string> Notes) Allocate(int size, PracticeMix mix, IReadOnlyList<RankedTopics> sources, PracticeOptions options)
    {
        double[] weights = [mix.Weak, mix.Current, mix.Revision];
        var slots = LargestRemainder(size, weights);
        var notes = new List<string>();
        var available = sources.Select(s => s.Topics.Count > 0).ToArray();
        var moved = 0;
        var empties = new List<int>();
        for (var s = 0; s < slots.Length; s++)
        {
            if (available[s] || slots[s] == 0) continue;
            moved += slots[s];
            empties.Add(s);
            slots[s] = 0;
        }
        if (moved == 0) return (slots, notes);

        var targets = Enumerable.Range(0, slots.Length).Where(s => available[s] && weights[s] > 0).ToArray();
        if (targets.Length == 0) targets = [Enumerable.Range(0, slots.Length).First(s => available[s])];
        var extra = LargestRemainder(moved, targets.Select(s => weights[s] > 0 ? weights[s] : 1).ToArray());
        for (var t = 0; t < targets.Length; t++) slots[targets[t]] += extra[t];
        var receivers = string.Join(" and ", targets.Where((_, t) => extra[t] > 0).Select(s => PracticeSections.All[s]));
        foreach (var s in empties)
        {
            var why = s == 1 ? $"no attempts in the last {options.RecentDays} days" : "nothing practised or examined before is due or long unseen";
            notes.Add($"{PracticeSections.All[s]}: {why}; its share went to {receivers}");
        }
        return (slots, notes);
    }

    /// <summary>Whole parts of <paramref name="total"/> proportional to <paramref name="weights"/>; leftovers go to the largest remainders, earlier first on ties.</summary>
    public static int[] LargestRemainder(int total, IReadOnlyList<double> weights)
    {
        var sum = weights.Sum();
        var quotas = weights.Select(w => total * w / sum).ToArray();
        var parts = quotas.Select(q => (int)Math.Floor(q)).ToArray();
        var order = Enumerable.Range(0, weights.Count).OrderByDescending(k => quotas[k] - parts[k]).ThenBy(k => k).ToArray();
        var leftover = total - parts.Sum();
        for (var k = 0; k < leftover; k++) parts[order[k]]++;
        return parts;
    }
}
