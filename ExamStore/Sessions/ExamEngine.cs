using System.Buffers;
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
        ByTopic(snapshot, items, responses, static estimate => estimate.Theta);

    /// <summary>The θ of each of <paramref name="estimates"/>, in the same order.</summary>
    public static IReadOnlyDictionary<string, double> TopicProficiency(IReadOnlyDictionary<string, AbilityEstimate> estimates) =>
        estimates.ToDictionary(p => p.Key, p => p.Value.Theta, StringComparer.Ordinal);

    /// <summary>EAP estimate (θ and SE) per topic from the answers in that topic alone, in ordinal topic order.</summary>
    public static IReadOnlyDictionary<string, AbilityEstimate> TopicEstimates(BankSnapshot snapshot, ReadOnlySpan<int> items, ReadOnlySpan<int> responses) =>
        ByTopic(snapshot, items, responses, static estimate => estimate);

    // What select takes of each topic's estimate, by topic in ordinal order: one dictionary for whichever a caller needs.
    private static Dictionary<string, T> ByTopic<T>(BankSnapshot snapshot, ReadOnlySpan<int> items, ReadOnlySpan<int> responses, Func<AbilityEstimate, T> select)
    {
        // A counting sort by topic into scratch space (the stack for an exam's usual length) instead of lists per
        // topic: it runs on every answer. It keeps each topic's answers in exam order, so the estimator adds the same
        // numbers in the same order as before, and the bank's topics are already in ordinal order.
        var bank = snapshot.Bank;
        var topics = bank.Topics;
        var needed = topics.Count + 2 * items.Length;
        var rented = needed > ScratchOnStack ? ArrayPool<int>.Shared.Rent(needed) : null;
        var scratch = rented is null ? stackalloc int[ScratchOnStack] : rented.AsSpan();
        try
        {
            var ends = scratch[..topics.Count];
            ends.Clear();
            var grouped = scratch.Slice(topics.Count, items.Length);
            var groupedResponses = scratch.Slice(topics.Count + items.Length, items.Length);
            for (var k = 0; k < items.Length; k++) ends[bank.TopicIndexOf(items[k])]++;
            var answeredTopics = ends.Length - ends.Count(0);
            for (var t = 1; t < ends.Length; t++) ends[t] += ends[t - 1];
            // Filled back to front, each topic's slot from its end, so the order within a topic stays the exam's.
            for (var k = items.Length - 1; k >= 0; k--)
            {
                var slot = --ends[bank.TopicIndexOf(items[k])];
                grouped[slot] = items[k];
                groupedResponses[slot] = responses[k];
            }

            // ends[t] is now where topic t starts.
            var estimates = new Dictionary<string, T>(answeredTopics, StringComparer.Ordinal);
            for (var t = 0; t < ends.Length; t++)
            {
                var start = ends[t];
                var end = t + 1 < ends.Length ? ends[t + 1] : items.Length;
                if (start == end) continue;
                estimates.Add(topics[t], select(TopicEstimator.Estimate(bank, grouped[start..end], groupedResponses[start..end])));
            }
            return estimates;
        }
        finally
        {
            if (rented is not null) ArrayPool<int>.Shared.Return(rented);
        }
    }

    // Ints of scratch ByTopic takes on the stack: topics plus twice the answers of all but very long exams.
    private const int ScratchOnStack = 256;
}
