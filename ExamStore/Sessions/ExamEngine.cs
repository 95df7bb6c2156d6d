using Engine;
using Engine.Bank;
using Engine.Estimation;
using Engine.Selection;
using Engine.Stopping;
using ExamStore.Bank;
using ExamStore.HotState;

namespace ExamStore.Sessions;

/// <summary>Builds the Engine composition an exam runs with, from its bank snapshot and settings.</summary>
public static class ExamEngine
{
    /// <summary>How many of the most informative items the first item is drawn from, so not every exam opens alike.</summary>
    public const int FirstItemCandidates = 5;

    private static readonly IAbilityEstimator[] Estimators =
        [new ExpectedAPosterioriEstimator(), new MaximumLikelihoodEstimator(), new BayesModalEstimator(), new WeightedLikelihoodEstimator()];

    private static readonly ExpectedAPosterioriEstimator TopicEstimator = new();

    /// <summary>The estimator for a kind.</summary>
    public static IAbilityEstimator Estimator(EstimatorKind kind) => Estimators[(int)kind];

    /// <summary>Parses "EAP", "ML", "BM" or "WL" (any case).</summary>
    public static bool TryParseEstimator(string? name, out EstimatorKind kind)
    {
        kind = EstimatorKind.Eap;
        if (name is null) return true;
        switch (name.ToUpperInvariant())
        {
            case "EAP": kind = EstimatorKind.Eap; return true;
            case "ML": kind = EstimatorKind.Ml; return true;
            case "BM": kind = EstimatorKind.Bm; return true;
            case "WL": kind = EstimatorKind.Wl; return true;
            default: return false;
        }
    }

    /// <summary>The adaptive test for a session: its estimator, MFI that skips retired items, and its stopping rules.</summary>
    public static AdaptiveTest Create(BankSnapshot snapshot, ExamSettings settings)
    {
        var rules = new List<IStoppingRule> { new MaxItemsRule(settings.MaxItems) };
        if (settings.SeTarget is { } target) rules.Add(new StandardErrorRule(target));
        var retired = snapshot.RetiredIndices.ToArray();
        return new AdaptiveTest(snapshot.Bank, new AdaptiveTestOptions(
            Estimator(settings.Estimator),
            new SkippingSelector(new MaximumInformationSelector(), retired),
            new StoppingPolicy(settings.MinItems, rules))
        {
            FirstItemSelector = new SkippingSelector(new MaximumInformationSelector(ExposureControl.Randomesque(FirstItemCandidates)), retired),
        });
    }

    /// <summary>
    /// The hot state with θ and SE, replayed from its answers when it was read without them (Redis does not keep them):
    /// the same estimator on the same answers in the same order gives the same bits as the uninterrupted run.
    /// </summary>
    public static SessionHotState WithEstimate(BankSnapshot snapshot, SessionHotState hot)
    {
        if (hot.Exam.HasEstimate) return hot;
        var exam = hot.Exam;
        return hot with { Exam = Create(snapshot, hot.Settings).Replay(exam.Items.ToArray(), exam.Responses.ToArray(), exam.CurrentItem, exam.Finished) };
    }

    /// <summary>θ per topic from the answers in that topic alone (EAP), for the topics answered so far.</summary>
    public static IReadOnlyDictionary<string, double> TopicProficiency(BankSnapshot snapshot, ReadOnlySpan<int> items, ReadOnlySpan<int> responses) =>
        TopicProficiency(TopicEstimates(snapshot, items, responses));

    /// <summary>The θ of each of <paramref name="estimates"/>, in the same order.</summary>
    public static IReadOnlyDictionary<string, double> TopicProficiency(IReadOnlyDictionary<string, AbilityEstimate> estimates) =>
        estimates.ToDictionary(p => p.Key, p => p.Value.Theta, StringComparer.Ordinal);

    /// <summary>EAP estimate (θ and SE) per topic from the answers in that topic alone, in ordinal topic order.</summary>
    public static IReadOnlyDictionary<string, AbilityEstimate> TopicEstimates(BankSnapshot snapshot, ReadOnlySpan<int> items, ReadOnlySpan<int> responses)
    {
        var byTopic = new Dictionary<string, (List<int> Items, List<int> Responses)>(StringComparer.Ordinal);
        for (var k = 0; k < items.Length; k++)
        {
            var topic = snapshot.Bank.TopicOf(items[k]);
            if (!byTopic.TryGetValue(topic, out var lists)) byTopic[topic] = lists = ([], []);
            lists.Items.Add(items[k]);
            lists.Responses.Add(responses[k]);
        }
        return byTopic.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(
            p => p.Key,
            p => TopicEstimator.Estimate(snapshot.Bank, p.Value.Items.ToArray(), p.Value.Responses.ToArray()),
            StringComparer.Ordinal);
    }

    /// <summary>A selector that never picks the given items (retired ones) besides those already administered.</summary>
    private sealed class SkippingSelector(IItemSelector inner, int[] skipped) : IItemSelector
    {
        public ItemSelection? Select(ItemBank bank, double theta, ReadOnlySpan<int> administered, Random random)
        {
            if (skipped.Length == 0) return inner.Select(bank, theta, administered, random);
            return inner.Select(bank, theta, [.. administered, .. skipped], random);
        }
    }
}
