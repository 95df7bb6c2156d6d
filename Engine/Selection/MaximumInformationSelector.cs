using System.Buffers;
using System.Numerics;
using Engine.Bank;

namespace Engine.Selection;

/// <summary>
/// Maximum Fisher information selection (MFI), optionally within the topic content balancing asks for and with
/// exposure control among the most informative items.
/// </summary>
public sealed class MaximumInformationSelector : IItemSelector
{
    private readonly ExposureControl _exposure;
    private readonly ContentBalance? _content;
    private readonly int _runnersUp;

    /// <summary>Creates the selector; <paramref name="runnersUp"/> alternatives are reported with each choice.</summary>
    public MaximumInformationSelector(ExposureControl? exposure = null, ContentBalance? content = null, int runnersUp = 3)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(runnersUp);
        _exposure = exposure ?? ExposureControl.None;
        _content = content;
        _runnersUp = runnersUp;
    }

    /// <inheritdoc />
    public ItemSelection? Select(ItemBank bank, double theta, ReadOnlySpan<int> administered, Random random) =>
        Select(bank, theta, administered, [], random);

    /// <summary>
    /// The next item among those neither in <paramref name="administered"/> nor in <paramref name="unavailable"/>
    /// (retired items, an administered item's enemies, topics a blueprint closed). Unavailable items are skipped but, unlike
    /// administered ones, do not count towards a topic's share in content balancing.
    /// </summary>
    public ItemSelection? Select(ItemBank bank, double theta, ReadOnlySpan<int> administered, ReadOnlySpan<int> unavailable, Random random)
    {
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(random);
        if (!double.IsFinite(theta)) throw new ArgumentOutOfRangeException(nameof(theta), theta, "θ must be finite to rank items.");
        var given = ArrayPool<bool>.Shared.Rent(bank.Count);
        var rankedBuffer = ArrayPool<Candidate>.Shared.Rent(Math.Max(_exposure.CandidatesNeeded, 1 + _runnersUp));
        try
        {
            Array.Clear(given, 0, bank.Count);
            foreach (var item in administered)
            {
                if ((uint)item >= (uint)bank.Count)
                    throw new ArgumentOutOfRangeException(nameof(administered), item, $"Administered item {item} is outside the bank of {bank.Count} items.");
                given[item] = true;
            }
            // Unavailable items are skipped like administered ones; content balancing only needs how many each topic lost.
            var topicCount = _content is null ? 0 : bank.Topics.Count;
            Span<int> unavailablePerTopic = topicCount <= 128 ? stackalloc int[topicCount] : new int[topicCount];
            foreach (var item in unavailable)
            {
                if ((uint)item >= (uint)bank.Count)
                    throw new ArgumentOutOfRangeException(nameof(unavailable), item, $"Unavailable item {item} is outside the bank of {bank.Count} items.");
                if (given[item]) continue;
                given[item] = true;
                if (topicCount > 0) unavailablePerTopic[bank.TopicIndexOf(item)]++;
            }
            var topic = _content?.ChooseTopic(bank, administered, unavailablePerTopic) ?? -1;
            var ranked = TopCandidates(bank, theta, given, topic, rankedBuffer.AsSpan(0, Math.Max(_exposure.CandidatesNeeded, 1 + _runnersUp)));
            if (ranked.IsEmpty) return null;

            var (chosen, rule, walked) = _exposure.Choose(ranked, random);
            var runnersUp = new List<Candidate>(_runnersUp);
            foreach (var candidate in ranked)
            {
                if (runnersUp.Count == _runnersUp) break;
                if (candidate.Item != chosen.Item) runnersUp.Add(candidate);
            }
            return new ItemSelection(chosen.Item, chosen.Information, theta, runnersUp, rule, topic >= 0 ? bank.Topics[topic] : null)
            {
                PassedOver = walked > 1 ? PassedOver(ranked[..walked], chosen.Item) : [],
            };
        }
        finally
        {
            ArrayPool<bool>.Shared.Return(given);
            ArrayPool<Candidate>.Shared.Return(rankedBuffer);
        }
    }

    // The most informative eligible items, best first. Exact ties go to the lower index: catR draws among exactly tied
    // items at random, and the lowest index is one of its possible picks, taken every time so that choices without
    // exposure control never depend on the random source. Items are visited in the rank order of θ's band
    // (decreasing information bound) a block at a time; once the next bound is below the k-th best information
    // found, no later item can enter the list.
    private static ReadOnlySpan<Candidate> TopCandidates(ItemBank bank, double theta, bool[] given, int topic, Span<Candidate> top)
    {
        var ranking = bank.RankingAt(theta);
        var order = ranking.Order;
        var bounds = ranking.Bounds;
        Span<double> information = stackalloc double[ItemBank.RankBlock];
        var count = 0;
        for (var start = 0; start < order.Length; start += ItemBank.RankBlock)
        {
            if (count == top.Length && bounds[start] < top[count - 1].Information) break;
            var block = information[..Math.Min(ItemBank.RankBlock, order.Length - start)];
            ranking.FillInformation(theta, start, block);
            for (var j = 0; j < block.Length; j++)
            {
                // A full list skips whole vectors below its last entry (ties must still be looked at: lower index wins).
                if (count == top.Length && j % Lanes == 0 && j + Lanes <= block.Length
                    && Vector.LessThanAll(new Vector<double>(block.Slice(j, Lanes)), new Vector<double>(top[count - 1].Information)))
                {
                    j += Lanes - 1;
                    continue;
                }
                var item = order[start + j];
                if (given[item] || (topic >= 0 && bank.TopicIndexOf(item) != topic)) continue;
                var candidate = new Candidate(item, block[j]);
                if (count == top.Length && !Precedes(candidate, top[count - 1])) continue;
                var position = count == top.Length ? count - 1 : count++;
                while (position > 0 && Precedes(candidate, top[position - 1]))
                {
                    top[position] = top[position - 1];
                    position--;
                }
                top[position] = candidate;
            }
        }
        return top[..count];
    }

    private static Candidate[] PassedOver(ReadOnlySpan<Candidate> walked, int chosen)
    {
        var passedOver = new Candidate[walked.Length - 1];
        var count = 0;
        foreach (var candidate in walked)
        {
            if (candidate.Item != chosen) passedOver[count++] = candidate;
        }
        return passedOver;
    }

    private static int Lanes => Vector<double>.Count;

    private static bool Precedes(Candidate a, Candidate b) =>
        a.Information > b.Information || (a.Information == b.Information && a.Item < b.Item);
}
