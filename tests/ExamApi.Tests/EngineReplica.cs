using System.Net;
using System.Text.Json.Nodes;
using Engine;
using Engine.Estimation;
using Engine.Selection;
using Engine.State;
using Engine.Stopping;

namespace ExamApi.Tests;

/// <summary>
/// The Engine, composed as the exam settings say (EAP, maximum information, max-items and SE rules), fed the same
/// answers as the API: after every answer the API's θ, SE, next item and stop decision must equal the Engine's, bit
/// for bit. The first item is the API's (it is drawn at random among the best few); every later choice is the Engine's.
/// </summary>
public sealed class EngineReplica
{
    private readonly TestItemBank bank;
    private readonly string subject;
    private readonly AdaptiveTest test;

    public EngineReplica(TestItemBank bank, string subject, int maxItems, double? seTarget, long firstItemId)
    {
        this.bank = bank;
        this.subject = subject;
        var engineBank = bank.EngineBank(subject);
        var estimator = new ExpectedAPosterioriEstimator();
        var rules = new List<IStoppingRule> { new MaxItemsRule(maxItems) };
        if (seTarget is { } target) rules.Add(new StandardErrorRule(target));
        test = new AdaptiveTest(engineBank, new AdaptiveTestOptions(estimator, new MaximumInformationSelector(), new StoppingPolicy(0, rules)));
        var initial = estimator.Estimate(engineBank, [], []);
        State = new ExamState([], [], 0, initial.StandardError, bank.IndexOf(subject, firstItemId), finished: false);
    }

    public ExamState State { get; private set; }

    public AdaptiveStep? LastStep { get; private set; }

    /// <summary>The id of the item waiting for an answer, or null when the exam is over.</summary>
    public long? CurrentItemId => State.CurrentItem is int index ? bank.ItemsOf(subject)[index].Id : null;

    /// <summary>How a student of ability <paramref name="trueTheta"/> answers: right when the item is easier than them.</summary>
    public static (int Response, bool Correct) Respond(TestItem item, double trueTheta) =>
        item.B < trueTheta ? (item.AnswerKey, true) : ((item.AnswerKey + 1) % item.Options.Length, false);

    /// <summary>Answers the current item through the API and checks the result against the Engine; returns the API's body.</summary>
    public async Task<JsonNode> AnswerAndCheckAsync(ExamClient client, StartedExam exam, double trueTheta)
    {
        var itemId = CurrentItemId ?? throw new InvalidOperationException("The exam is over.");
        var (response, correct) = Respond(bank[itemId], trueTheta);
        var result = await client.AnswerAsync(exam.SessionId, itemId, response, exam.Token);
        Assert.True(result.Status == HttpStatusCode.OK, $"answer {State.Count + 1}: {(int)result.Status} {result.Body}");
        Follow(result.Json!, correct);
        return result.Json!;
    }

    /// <summary>Applies the answer to the Engine and checks the API's response body against it.</summary>
    public void Follow(JsonNode body, bool correct)
    {
        var step = test.Answer(State, correct ? 1 : 0, new Random(0));
        LastStep = step;
        State = step.State;
        Assert.Equal(step.State.Count, body["answered"]!.GetValue<int>());
        AssertBits(step.State.Theta, body["theta"]!.GetValue<double>(), "theta");
        AssertBits(step.State.StandardError, body["se"]!.GetValue<double>(), "se");
        Assert.Equal(step.Stop.Stop, body["done"]!.GetValue<bool>());
        Assert.Equal(step.Stop.Rule, body["stopReason"]?.GetValue<string>());
        Assert.Equal(CurrentItemId, body["nextItem"]?["id"]?.GetValue<long>());
    }

    public static void AssertBits(double expected, double actual, string what) =>
        Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual), $"{what}: Engine {expected:R}, API {actual:R}");
}
