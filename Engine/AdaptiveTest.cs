using Engine.Bank;
using Engine.Estimation;
using Engine.Selection;
using Engine.State;
using Engine.Stopping;

namespace Engine;

/// <summary>How an adaptive test is run: one estimator, one selector and one stopping policy, composed.</summary>
/// <param name="Estimator">Updates θ and SE after each answer.</param>
/// <param name="Selector">Chooses the next item at the current θ.</param>
/// <param name="Stopping">Decides when the test ends.</param>
public sealed record AdaptiveTestOptions(IAbilityEstimator Estimator, IItemSelector Selector, StoppingPolicy Stopping)
{
    /// <summary>θ at which the first item is chosen.</summary>
    public double StartTheta { get; init; }

    /// <summary>Chooses the first item (e.g. randomly among the top k at <see cref="StartTheta"/>); null uses <see cref="Selector"/>.</summary>
    public IItemSelector? FirstItemSelector { get; init; }

    /// <summary>
    /// Chooses the next item when only the stopping policy's gate keeps the test going (<see cref="StopDecision.HeldByGate"/>),
    /// e.g. from the topics whose minimums are still owed, so the test ends as soon as the gate allows; null uses <see cref="Selector"/>.
    /// </summary>
    public IItemSelector? HeldOpenSelector { get; init; }
}

/// <summary>The outcome of starting a test or recording an answer.</summary>
/// <param name="State">The new state.</param>
/// <param name="Next">The item now waiting for an answer, with why it was chosen; null when the test has ended.</param>
/// <param name="Stop">Whether the test ended and which rule ended it.</param>
public sealed record AdaptiveStep(ExamState State, ItemSelection? Next, StopDecision Stop)
{
    /// <summary>
    /// The classification by the stopping policy's classifying rule (<see cref="StoppingPolicy.ClassifyingRule"/>) after
    /// this step, forced once the test has ended; null when the policy has no such rule.
    /// </summary>
    public Classification? Classification { get; init; }
}

/// <summary>Runs adaptive tests on one item bank: start, answer, and replay a recorded pattern.</summary>
public sealed class AdaptiveTest
{
    /// <summary>Creates a test runner for <paramref name="bank"/>.</summary>
    public AdaptiveTest(ItemBank bank, AdaptiveTestOptions options)
    {
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(options);
        if (bank.Count == 0) throw new ArgumentException("The item bank is empty.", nameof(bank));
        if (!double.IsFinite(options.StartTheta)) throw new ArgumentOutOfRangeException(nameof(options), options.StartTheta, "The starting θ must be finite.");
        Bank = bank;
        Options = options;
    }

    /// <summary>The item bank.</summary>
    public ItemBank Bank { get; }

    /// <summary>The composition in use.</summary>
    public AdaptiveTestOptions Options { get; }

    /// <summary>Starts a test: the first item is chosen at the starting θ.</summary>
    public AdaptiveStep Start(Random random)
    {
        var initial = Options.Estimator.Estimate(Bank, [], []);
        var first = (Options.FirstItemSelector ?? Options.Selector).Select(Bank, Options.StartTheta, [], random)
            ?? throw new InvalidOperationException("The selector found no item to start with.");
        var state = new ExamState([], [], Options.StartTheta, initial.StandardError, first.Item, finished: false);
        var classification = Options.Stopping.ClassifyingRule?.Classify(
            new StoppingContext(0, Options.StartTheta, initial.StandardError, Bank.Count) { Bank = Bank });
        return new AdaptiveStep(state, first, StopDecision.Continue) { Classification = classification };
    }

    /// <summary>Records the answer to the current item, re-estimates θ, applies the stopping policy and picks the next item.</summary>
    public AdaptiveStep Answer(ExamState state, int response, Random random)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Finished || state.CurrentItem is not int item) throw new InvalidOperationException("The test has ended; no item is waiting for an answer.");
        var category = Bank[item].CategoryCount;
        if ((uint)response >= (uint)category)
            throw new ArgumentOutOfRangeException(nameof(response), response, $"Item {item} takes responses 0 to {category - 1}.");

        int[] items = [.. state.Items, item];
        int[] responses = [.. state.Responses, response];
        var estimate = Options.Estimator.Estimate(Bank, items, responses);
        var context = new StoppingContext(items.Length, estimate.Theta, estimate.StandardError, Bank.Count - items.Length)
        {
            Bank = Bank,
            Items = items,
            Responses = responses,
        };
        var stop = Options.Stopping.Evaluate(context);
        ItemSelection? next = null;
        if (!stop.Stop)
        {
            var selector = stop.HeldByGate && Options.HeldOpenSelector is { } gateSelector ? gateSelector : Options.Selector;
            next = selector.Select(Bank, estimate.Theta, items, random);
            if (next is null) stop = new StopDecision(true, "bank_exhausted");
        }
        var newState = ExamState.Adopting(items, responses, estimate.Theta, estimate.StandardError, next?.Item, finished: stop.Stop);
        var classification = Options.Stopping.ClassifyingRule?.Classify(context, force: stop.Stop);
        return new AdaptiveStep(newState, next, stop) { Classification = classification };
    }

    /// <summary>
    /// The classification of a state (e.g. one from <see cref="Replay"/>) by the stopping policy's classifying rule,
    /// forced when the state is finished, exactly as <see cref="Answer"/> reported it; null when the policy has no such rule.
    /// </summary>
    public Classification? Classify(ExamState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (Options.Stopping.ClassifyingRule is not { } rule) return null;
        if (!state.HasEstimate) throw new ArgumentException("The state has no estimate; replay it first.", nameof(state));
        var context = new StoppingContext(state.Count, state.Theta, state.StandardError, Bank.Count - state.Count)
        {
            Bank = Bank,
            Items = state.Items.ToArray(),
            Responses = state.Responses.ToArray(),
        };
        return rule.Classify(context, force: state.Finished);
    }

    /// <summary>
    /// Rebuilds a state from a recorded pattern. The estimate is computed from the whole pattern exactly as
    /// <see cref="Answer"/> computed it, so θ and SE are bit-identical to the uninterrupted run.
    /// </summary>
    public ExamState Replay(IReadOnlyList<int> items, IReadOnlyList<int> responses, int? currentItem, bool finished)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(responses);
        var itemArray = items.ToArray();
        var responseArray = responses.ToArray();
        if (itemArray.Distinct().Count() != itemArray.Length) throw new ArgumentException("The pattern gives an item twice.", nameof(items));
        if (currentItem is int current && ((uint)current >= (uint)Bank.Count || itemArray.Contains(current)))
            throw new ArgumentOutOfRangeException(nameof(currentItem), currentItem, "The current item must be in the bank and not yet answered.");
        if (itemArray.Length == 0)
        {
            var initial = Options.Estimator.Estimate(Bank, [], []);
            return new ExamState([], [], Options.StartTheta, initial.StandardError, currentItem, finished);
        }
        var estimate = Options.Estimator.Estimate(Bank, itemArray, responseArray);
        return ExamState.Adopting(itemArray, responseArray, estimate.Theta, estimate.StandardError, currentItem, finished);
    }
}
