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
    public ItemSelection? Select(ItemBank bank, double theta, ReadOnlySpan<int> administered, Random random)
    {
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(random);
        if (!double.IsFinite(theta)) throw new ArgumentOutOfRangeException(nameof(theta), theta, "θ must be finite to rank items.");
        var information = ArrayPool<double>.Shared.Rent(bank.Count);
        try
        {
            var info = information.AsSpan(0, bank.Count);
            bank.FillInformation(theta, info);
            // Information is never negative, so −1 marks an item that may not be chosen.
            foreach (var item in administered)
            {
                if ((uint)item >= (uint)bank.Count)
                    throw new ArgumentOutOfRangeException(nameof(administered), item, $"Administered item {item} is outside the bank of {bank.Count} items.");
                info[item] = -1;
            }

            string? topic = null;
            if (_content is not null)
            {
                var chosenTopic = ChooseTopic(bank, info, administered);
                if (chosenTopic >= 0)
                {
                    topic = bank.Topics[chosenTopic];
                    for (var i = 0; i < info.Length; i++)
                    {
                        if (bank.TopicIndexOf(i) != chosenTopic) info[i] = -1;
                    }
                }
            }

            var wanted = Math.Max(_exposure.CandidatesNeeded, 1 + _runnersUp);
            var rankedBuffer = ArrayPool<Candidate>.Shared.Rent(wanted);
            try
            {
                var ranked = TopCandidates(info, rankedBuffer.AsSpan(0, wanted));
                if (ranked.IsEmpty) return null;
                var (chosen, rule) = _exposure.Choose(ranked, random);
                var runnersUp = new List<Candidate>(_runnersUp);
                foreach (var candidate in ranked)
                {
                    if (runnersUp.Count == _runnersUp) break;
                    if (candidate.Item != chosen.Item) runnersUp.Add(candidate);
                }
                return new ItemSelection(chosen.Item, chosen.Information, theta, runnersUp, rule, topic);
            }
            finally
            {
                ArrayPool<Candidate>.Shared.Return(rankedBuffer);
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(information);
        }
    }

    private int ChooseTopic(ItemBank bank, ReadOnlySpan<double> info, ReadOnlySpan<int> administered)
    {
        Span<bool> hasItems = bank.Topics.Count <= 256 ? stackalloc bool[bank.Topics.Count] : new bool[bank.Topics.Count];
        for (var i = 0; i < info.Length; i++)
        {
            if (info[i] >= 0) hasItems[bank.TopicIndexOf(i)] = true;
        }
        return _content!.ChooseTopic(bank, administered, hasItems);
    }

    // The best eligible items, best first; equal information goes to the lower index so choices are reproducible.
    // Whole vectors that cannot beat the current k-th best are skipped, which makes the scan of a large bank cheap.
    private static ReadOnlySpan<Candidate> TopCandidates(ReadOnlySpan<double> info, Span<Candidate> top)
    {
        var count = 0;
        var threshold = -1.0;
        var width = Vector<double>.Count;
        for (var start = 0; start < info.Length; start += width)
        {
            var end = Math.Min(start + width, info.Length);
            if (end - start == width && Vector.LessThanOrEqualAll(new Vector<double>(info[start..end]), new Vector<double>(threshold))) continue;
            for (var i = start; i < end; i++)
            {
                var value = info[i];
                if (value <= threshold) continue;
                var position = count == top.Length ? count - 1 : count++;
                while (position > 0 && top[position - 1].Information < value)
                {
                    top[position] = top[position - 1];
                    position--;
                }
                top[position] = new Candidate(i, value);
                if (count == top.Length) threshold = top[count - 1].Information;
            }
        }
        return top[..count];
    }
}
