using Engine;
using Engine.Design;
using Engine.Estimation;
using ExamStore.Bank;
using ExamStore.Designs;
using ExamStore.HotState;

namespace ExamStore.Sessions;

/// <summary>Builds the Engine composition an exam runs with, from its bank snapshot and design version.</summary>
public static class ExamEngine
{
    private static readonly ExpectedAPosterioriEstimator TopicEstimator = new();

    /// <summary>
    /// The adaptive test of a design version on a bank snapshot (composed once per snapshot and version). A version
    /// that no longer fits the bank (items retired since it was checked) is a conflict naming the fault.
    /// </summary>
    public static AdaptiveTest Create(BankSnapshot snapshot, DesignVersion design) => Create(snapshot, Compile(snapshot, design));

    /// <summary>The adaptive test of a design already composed for <paramref name="snapshot"/>.</summary>
    public static AdaptiveTest Create(BankSnapshot snapshot, CompiledDesign compiled) => new(snapshot.BankAt(compiled.Design.Scaling), compiled.Options);

    /// <inheritdoc cref="Create(BankSnapshot, DesignVersion)"/>
    /// <remarks>As running exams need it: see <see cref="BankSnapshot.Compile"/>.</remarks>
    public static CompiledDesign Compile(BankSnapshot snapshot, DesignVersion design)
    {
        try
        {
            return snapshot.Compile(design.Key, design.Definition);
        }
        catch (DesignException error)
        {
            throw DoesNotFit(design, error.Message);
        }
    }

    /// <summary>
    /// The composition for a new exam (or an activation): also refused, as a conflict naming the fault, when the items
    /// that can be given now cannot fill the version (maxItems, topic minimums).
    /// </summary>
    public static CompiledDesign CompileForStart(BankSnapshot snapshot, DesignVersion design)
    {
        if (snapshot.FitProblems(design.Key, design.Definition) is [var first, ..]) throw DoesNotFit(design, $"{first.Field}: {first.Message}");
        return Compile(snapshot, design);
    }

    private static ExamException DoesNotFit(DesignVersion design, string why) =>
        new(ExamErrorKind.Conflict, "Design does not fit the bank",
            $"Exam design '{design.DesignId}' version {design.Version} no longer fits the bank of '{design.Subject}': {why}", "designId");

    /// <summary>
    /// The hot state with θ and SE, replayed from its answers when it was read without them (Redis does not keep them):
    /// the same estimator on the same answers in the same order gives the same bits as the uninterrupted run.
    /// </summary>
    public static SessionHotState WithEstimate(BankSnapshot snapshot, DesignVersion design, SessionHotState hot)
    {
        if (hot.Exam.HasEstimate) return hot;
        var exam = hot.Exam;
        return hot with { Exam = Create(snapshot, design).Replay(exam.Items.ToArray(), exam.Responses.ToArray(), exam.CurrentItem, exam.Finished) };
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
}
