using Engine.Bank;
using Engine.Estimation;
using Engine.Models;
using Engine.Selection;
using Engine.Simulation;
using Engine.Stopping;
using Xunit;

namespace Engine.Tests;

/// <summary>
/// The SPRT classification rule and classifications: log likelihood ratios against formulas written out here, the
/// decision boundaries, several cuts, the policy's minimum length, and simulated examinees.
/// </summary>
public class SprtTests
{
    private const double D = 1.702;

    // The 3PL curve written out, independently of LogisticItem.
    private static double Logistic3Pl(double theta, double a, double b, double c) => c + (1 - c) / (1 + Math.Exp(-D * a * (theta - b)));

    private static double HandLogRatio(double theta1, double theta0, double a, double b, double c, int response)
    {
        var p1 = Logistic3Pl(theta1, a, b, c);
        var p0 = Logistic3Pl(theta0, a, b, c);
        return response == 1 ? Math.Log(p1) - Math.Log(p0) : Math.Log(1 - p1) - Math.Log(1 - p0);
    }

    private static StoppingContext Context(ItemBank bank, int[] items, int[] responses) =>
        new(items.Length, 0, 1, bank.Count - items.Length) { Bank = bank, Items = items, Responses = responses };

    private static readonly double[] A = [1.2, 0.8, 1.5, 0.6];
    private static readonly double[] B = [-0.5, 0.3, 0.1, 1.4];
    private static readonly double[] C = [0, 0.2, 0.25, 0]; // two 2PL items, two 3PL items
    private static readonly ItemBank MixedLogisticBank = ItemBank.FromParameters(A, B, C, scaling: D);

    [Fact]
    public void TheLogLikelihoodRatioOfLogisticItemsMatchesTheFormulaWrittenOut()
    {
        const double cut = 0.2, delta = 0.3;
        var rule = new SprtRule([cut], delta);
        int[] items = [2, 0, 3, 1];
        int[] responses = [1, 0, 1, 1];
        var expected = 0.0;
        for (var i = 0; i < items.Length; i++)
        {
            var j = items[i];
            expected += HandLogRatio(cut + delta, cut - delta, A[j], B[j], C[j], responses[i]);
        }
        var classification = rule.Classify(Context(MixedLogisticBank, items, responses));
        Assert.Equal(expected, classification.Cuts[0].LogLikelihoodRatio!.Value, 1e-12);
        Span<double> ratios = stackalloc double[1];
        rule.LogLikelihoodRatios(Context(MixedLogisticBank, items, responses), ratios);
        Assert.Equal(expected, ratios[0], 1e-12);

        // Each item's term separately: a 2PL right and wrong, a 3PL right and wrong.
        foreach (var (item, response) in new[] { (0, 1), (0, 0), (2, 1), (2, 0) })
        {
            rule.LogLikelihoodRatios(Context(MixedLogisticBank, [item], [response]), ratios);
            Assert.Equal(HandLogRatio(cut + delta, cut - delta, A[item], B[item], C[item], response), ratios[0], 1e-12);
        }
    }

    [Fact]
    public void BeforeAnyAnswerEveryRatioIsZeroAndEveryCutUndecided()
    {
        var rule = new SprtRule([-1, 1], 0.25);
        var classification = rule.Classify(new StoppingContext(0, 0, double.PositiveInfinity, 10));
        Assert.All(classification.Cuts, c => Assert.Equal((CutDecision.Undecided, 0.0), (c.Decision, c.LogLikelihoodRatio!.Value)));
        Assert.Null(classification.Level);
        Assert.False(classification.Forced);
        Assert.False(rule.IsMet(new StoppingContext(0, 0, double.PositiveInfinity, 10)));
    }

    [Fact]
    public void AGradedResponseItemContributesItsObservedCategorysLogRatio()
    {
        const double a = 1.3, cut = -0.4, delta = 0.35;
        double[] thresholds = [-1.2, -0.3, 0.9];
        // Samejima's GRM written out: P*_k = 1/(1 + exp(−D·a·(θ − b_k))), P*_0 = 1, P*_4 = 0, P_k = P*_k − P*_{k+1}.
        static double Cumulative(double theta, double a, double[] b, int k) =>
            k == 0 ? 1 : k > b.Length ? 0 : 1 / (1 + Math.Exp(-D * a * (theta - b[k - 1])));
        double Category(double theta, int k) => Cumulative(theta, a, thresholds, k) - Cumulative(theta, a, thresholds, k + 1);

        var bank = new ItemBank([new GradedResponseItem(a, thresholds, D), new LogisticItem(A[1], B[1], C[1], 1, D)]);
        var rule = new SprtRule([cut], delta);
        Span<double> ratios = stackalloc double[1];
        for (var k = 0; k < 4; k++)
        {
            var expected = Math.Log(Category(cut + delta, k)) - Math.Log(Category(cut - delta, k));
            rule.LogLikelihoodRatios(Context(bank, [0], [k]), ratios);
            Assert.Equal(expected, ratios[0], 1e-12);

            // Mixed with a 3PL item, the terms add.
            rule.LogLikelihoodRatios(Context(bank, [1, 0], [0, k]), ratios);
            Assert.Equal(expected + HandLogRatio(cut + delta, cut - delta, A[1], B[1], C[1], 0), ratios[0], 1e-12);
        }
    }

    [Fact]
    public void DecisionsChangeExactlyAtWaldsBounds()
    {
        const double alpha = 0.05, beta = 0.1;
        var rule = new SprtRule([0], 0.5, alpha, beta);
        Assert.Equal(Math.Log((1 - beta) / alpha), rule.UpperBound, 1e-15);
        Assert.Equal(Math.Log(beta / (1 - alpha)), rule.LowerBound, 1e-15);
        Assert.Equal(CutDecision.Above, rule.Decide(rule.UpperBound));
        Assert.Equal(CutDecision.Undecided, rule.Decide(Math.BitDecrement(rule.UpperBound)));
        Assert.Equal(CutDecision.Below, rule.Decide(rule.LowerBound));
        Assert.Equal(CutDecision.Undecided, rule.Decide(Math.BitIncrement(rule.LowerBound)));
        Assert.Equal(CutDecision.Undecided, rule.Decide(0));
    }

    [Fact]
    public void APatternJustPastTheBoundStopsAndOneJustShortDoesNot()
    {
        const double cut = 0.2, delta = 0.3, beta = 0.05;
        int[] items = [0, 1, 2, 3];
        int[] right = [1, 1, 1, 1];
        var ratio = 0.0;
        for (var j = 0; j < 4; j++) ratio += HandLogRatio(cut + delta, cut - delta, A[j], B[j], C[j], 1);
        Assert.True(ratio > 0);

        // α chosen so that log((1 − β)/α) lies 1e-9 below, then 1e-9 above, the pattern's log LR.
        var justBelow = new SprtRule([cut], delta, (1 - beta) * Math.Exp(-(ratio - 1e-9)), beta);
        var justAbove = new SprtRule([cut], delta, (1 - beta) * Math.Exp(-(ratio + 1e-9)), beta);
        Assert.True(justBelow.UpperBound < ratio && justAbove.UpperBound > ratio);
        Assert.True(justBelow.IsMet(Context(MixedLogisticBank, items, right)));
        Assert.Equal(1, justBelow.Classify(Context(MixedLogisticBank, items, right)).Level);
        Assert.False(justAbove.IsMet(Context(MixedLogisticBank, items, right)));
        Assert.Null(justAbove.Classify(Context(MixedLogisticBank, items, right)).Level);

        // The same for the lower bound with every answer wrong: β chosen so that log(β/(1 − α)) straddles the log LR.
        int[] wrong = [0, 0, 0, 0];
        var low = 0.0;
        for (var j = 0; j < 4; j++) low += HandLogRatio(cut + delta, cut - delta, A[j], B[j], C[j], 0);
        const double alpha = 0.05;
        var reaches = new SprtRule([cut], delta, alpha, (1 - alpha) * Math.Exp(low + 1e-9));
        var fallsShort = new SprtRule([cut], delta, alpha, (1 - alpha) * Math.Exp(low - 1e-9));
        Assert.True(reaches.IsMet(Context(MixedLogisticBank, items, wrong)));
        Assert.Equal(0, reaches.Classify(Context(MixedLogisticBank, items, wrong)).Level);
        Assert.False(fallsShort.IsMet(Context(MixedLogisticBank, items, wrong)));
    }

    // 20 items at each of b = −1 and b = 1 (2PL, a = 1.5, D = 1.702).
    private static readonly ItemBank TwoBlockBank = ItemBank.FromParameters(
        Enumerable.Repeat(1.5, 40).ToArray(),
        Enumerable.Range(0, 40).Select(i => i < 20 ? -1.0 : 1.0).ToArray(),
        scaling: D);

    [Theory]
    [InlineData(1, 1, 2)] // everything right: above both cuts
    [InlineData(1, 0, 1)] // easy items right, hard ones wrong: between the cuts
    [InlineData(0, 0, 0)] // everything wrong: below both cuts
    public void SeveralCutsAreDecidedSeparatelyAndTheLevelCountsTheCutsAbove(int easyResponse, int hardResponse, int level)
    {
        double[] cuts = [-1, 1];
        const double delta = 0.2;
        var rule = new SprtRule(cuts, delta);
        var items = Enumerable.Range(0, 40).ToArray();
        var responses = items.Select(i => i < 20 ? easyResponse : hardResponse).ToArray();
        var classification = rule.Classify(Context(TwoBlockBank, items, responses));
        for (var k = 0; k < cuts.Length; k++)
        {
            var expected = 0.0;
            for (var i = 0; i < 40; i++) expected += HandLogRatio(cuts[k] + delta, cuts[k] - delta, 1.5, i < 20 ? -1 : 1, 0, responses[i]);
            Assert.Equal(expected, classification.Cuts[k].LogLikelihoodRatio!.Value, 1e-10);
            Assert.Equal(cuts[k], classification.Cuts[k].CutScore);
            Assert.Equal(k < level ? CutDecision.Above : CutDecision.Below, classification.Cuts[k].Decision);
        }
        Assert.Equal(level, classification.Level);
        Assert.False(classification.Forced);
        Assert.True(rule.IsMet(Context(TwoBlockBank, items, responses)));
    }

    [Fact]
    public void OneCutDecidedAndTheOtherNotIsNoLevelUntilForced()
    {
        var rule = new SprtRule([-1, 1], 0.2);
        // Ten easy items right: clearly above −1; on cut 1 the evidence is positive but short of the bound.
        var items = Enumerable.Range(0, 10).ToArray();
        var responses = Enumerable.Repeat(1, 10).ToArray();
        var open = rule.Classify(Context(TwoBlockBank, items, responses));
        Assert.Equal(CutDecision.Above, open.Cuts[0].Decision);
        Assert.Equal(CutDecision.Undecided, open.Cuts[1].Decision);
        Assert.InRange(open.Cuts[1].LogLikelihoodRatio!.Value, 0, rule.UpperBound);
        Assert.Null(open.Level);
        Assert.False(rule.IsMet(Context(TwoBlockBank, items, responses)));

        // Forced (the test ended): the undecided cut follows the sign of its log LR and is marked forced.
        var forced = rule.Classify(Context(TwoBlockBank, items, responses), force: true);
        Assert.True(forced.Forced);
        Assert.Equal((CutDecision.Above, false), (forced.Cuts[0].Decision, forced.Cuts[0].Forced));
        Assert.Equal((CutDecision.Above, true), (forced.Cuts[1].Decision, forced.Cuts[1].Forced));
        Assert.Equal(2, forced.Level);

        // A log LR of exactly 0 (no answers) is forced "below": no evidence of being above.
        var empty = rule.Classify(Context(TwoBlockBank, [], []), force: true);
        Assert.Equal(0, empty.Level);
        Assert.All(empty.Cuts, c => Assert.Equal((CutDecision.Below, true), (c.Decision, c.Forced)));
    }

    [Fact]
    public void ContradictoryDecisionsDoNotStopTheTestAndAreForcedToTheLeadingCutsAbove()
    {
        // Wrong answers to easy 4PL items (upper asymptote 0.8) weigh at cut −1 but hardly at cut 1, where a wrong answer
        // is a likely slip; right answers to hard 3PL items (guessing 0.3) weigh at cut 1 but hardly at cut −1, where a
        // right answer is a likely guess. Together: below −1 and above 1.
        var bank = ItemBank.FromParameters([2.5, 2.5], [-1, 1], [0, 0.3], [0.8, 1], D);
        var rule = new SprtRule([-1, 1], 0.3);
        int[] items = [0, 0, 0, 0, 1, 1, 1, 1, 1]; // the same item repeated: the statistic only sums terms
        int[] responses = [0, 0, 0, 0, 1, 1, 1, 1, 1];
        var context = Context(bank, items, responses);
        var open = rule.Classify(context);
        Assert.Equal([CutDecision.Below, CutDecision.Above], open.Cuts.Select(c => c.Decision));
        Assert.Null(open.Level);
        Assert.False(rule.IsMet(context));

        var forced = rule.Classify(context, force: true);
        Assert.Equal(0, forced.Level); // not above −1, so not placed above 1 either
        Assert.True(forced.Forced);
        Assert.All(forced.Cuts, c => Assert.False(c.Forced)); // the rule decided both cuts; only the level was forced
    }

    [Fact]
    public void ForcingAnAlreadyDecidedClassificationChangesNothing()
    {
        var rule = new SprtRule([-1, 1], 0.2);
        var items = Enumerable.Range(0, 40).ToArray();
        var responses = items.Select(i => i < 20 ? 1 : 0).ToArray();
        var decided = rule.Classify(Context(TwoBlockBank, items, responses));
        var forced = rule.Classify(Context(TwoBlockBank, items, responses), force: true);
        Assert.Equal(decided.Level, forced.Level);
        Assert.False(forced.Forced);
        Assert.Equal(decided.Cuts, forced.Cuts);
    }

    [Fact]
    public void ThePolicyLetsTheSprtStopOnlyAfterTheMinimumLength()
    {
        var rule = new SprtRule([0], 0.3);
        var policy = new StoppingPolicy(12, new MaxItemsRule(30), rule);
        Assert.Same(rule, policy.ClassifyingRule);
        var bank = TwoBlockBank;
        // Every hard item right: the SPRT is met well before 12 items.
        int[] all = Enumerable.Range(20, 20).ToArray();
        int[] right = Enumerable.Repeat(1, 20).ToArray();
        var metAt = Enumerable.Range(1, 20).First(n => rule.IsMet(Context(bank, all[..n], right[..n])));
        Assert.True(metAt < 12, $"met at {metAt}");
        for (var n = metAt; n < 12; n++) Assert.False(policy.Evaluate(Context(bank, all[..n], right[..n])).Stop);
        Assert.Equal(new StopDecision(true, "sprt"), policy.Evaluate(Context(bank, all[..12], right[..12])));
        Assert.Null(new StoppingPolicy(0, new MaxItemsRule(5)).ClassifyingRule);
    }

    [Fact]
    public void TheSprtNeedsTheBankOnceThereAreAnswers()
    {
        var rule = new SprtRule([0], 0.3);
        var withoutBank = new StoppingContext(1, 0, 1, 10) { Items = new[] { 0 }, Responses = new[] { 1 } };
        Assert.Equal("context", Assert.Throws<ArgumentException>(() => rule.IsMet(withoutBank)).ParamName);
        var mismatched = new StoppingContext(1, 0, 1, 10) { Bank = TwoBlockBank, Items = new[] { 0, 1 }, Responses = new[] { 1 } };
        Assert.Equal("context", Assert.Throws<ArgumentException>(() => rule.Classify(mismatched)).ParamName);
    }

    public static TheoryData<Func<SprtRule>, string> InvalidArguments => new()
    {
        { () => new SprtRule([], 0.3), "cutScores" },
        { () => new SprtRule([double.NaN], 0.3), "cutScores" },
        { () => new SprtRule([0, double.PositiveInfinity], 0.3), "cutScores" },
        { () => new SprtRule([1, 0], 0.3), "cutScores" },
        { () => new SprtRule([0, 0], 0.3), "cutScores" },
        { () => new SprtRule(null!, 0.3), "cutScores" },
        { () => new SprtRule([0], 0), "indifference" },
        { () => new SprtRule([0], -0.1), "indifference" },
        { () => new SprtRule([0], double.NaN), "indifference" },
        { () => new SprtRule([0], double.PositiveInfinity), "indifference" },
        { () => new SprtRule([0, 1], 0.5), "indifference" }, // regions touch at 0.5
        { () => new SprtRule([0, 1], 0.6), "indifference" },
        { () => new SprtRule([0], 0.3, alpha: 0), "alpha" },
        { () => new SprtRule([0], 0.3, alpha: 0.5), "alpha" },
        { () => new SprtRule([0], 0.3, alpha: double.NaN), "alpha" },
        { () => new SprtRule([0], 0.3, beta: 0), "beta" },
        { () => new SprtRule([0], 0.3, beta: 0.5), "beta" },
        { () => new SprtRule([0], 0.3, beta: -0.01), "beta" },
    };

    [Theory]
    [MemberData(nameof(InvalidArguments))]
    public void InvalidArgumentsAreRefusedNamingTheParameter(Func<SprtRule> create, string parameter)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => create());
        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public void TheIntervalRuleClassifiesItsCutsInIncreasingOrder()
    {
        var rule = new ClassificationRule([2.0, 0.0], z: 1.96);
        // θ̂ = 1.5, SE = 0.5: the interval [0.52, 2.48] lies above 0 and contains 2.
        var open = rule.Classify(new StoppingContext(5, 1.5, 0.5, 10));
        Assert.Equal([0.0, 2.0], open.Cuts.Select(c => c.CutScore));
        Assert.Equal([CutDecision.Above, CutDecision.Undecided], open.Cuts.Select(c => c.Decision));
        Assert.All(open.Cuts, c => Assert.Null(c.LogLikelihoodRatio));
        Assert.Null(open.Level);
        var forced = rule.Classify(new StoppingContext(5, 1.5, 0.5, 10), force: true);
        Assert.Equal((1, true), (forced.Level, forced.Forced));
        Assert.Equal((CutDecision.Below, true), (forced.Cuts[1].Decision, forced.Cuts[1].Forced));
        var settled = rule.Classify(new StoppingContext(5, 1.5, 0.2, 10));
        Assert.Equal((1, false), (settled.Level, settled.Forced));
        Assert.True(rule.IsMet(new StoppingContext(5, 1.5, 0.2, 10)));
        Assert.Null(rule.Classify(new StoppingContext(0, 0, double.PositiveInfinity, 10)).Level);
    }

    private static AdaptiveTestOptions SprtOptions(int maxItems, double cut = 0) =>
        new(new ExpectedAPosterioriEstimator(), new MaximumInformationSelector(), new StoppingPolicy(0, new MaxItemsRule(maxItems), new SprtRule([cut], 0.3)));

    [Fact]
    public void AnAdaptiveTestReportsTheSprtAndItsClassificationAtEveryStep()
    {
        var bank = ReferenceData.Get("3pl").Bank;
        var test = new AdaptiveTest(bank, SprtOptions(40));
        var random = new Random(7);
        var step = test.Start(random);
        Assert.Equal(0.0, step.Classification!.Cuts[0].LogLikelihoodRatio);
        var examinee = new SimulatedExaminee(2.5, new Random(3));
        while (!step.Stop.Stop)
        {
            step = test.Answer(step.State, examinee.Respond(bank[step.State.CurrentItem!.Value]), random);
            Assert.NotNull(step.Classification);
        }
        Assert.Equal("sprt", step.Stop.Rule);
        Assert.Equal((1, false), (step.Classification!.Level, step.Classification.Forced));
        var replayed = test.Replay(step.State.Items.ToArray(), step.State.Responses.ToArray(), null, finished: true);
        Assert.Equal(step.Classification.Level, test.Classify(replayed)!.Level);
        Assert.Equal(step.Classification.Cuts, test.Classify(replayed)!.Cuts);
    }

    [Fact]
    public void ATestEndedByItsLengthWithTheSprtUndecidedReportsAForcedClassification()
    {
        var bank = ReferenceData.Get("3pl").Bank;
        var test = new AdaptiveTest(bank, SprtOptions(3));
        var random = new Random(7);
        var step = test.Start(random);
        // Alternate right and wrong at the cut: three answers cannot reach Wald's bounds.
        var response = 1;
        while (!step.Stop.Stop)
        {
            step = test.Answer(step.State, response, random);
            response = 1 - response;
        }
        Assert.Equal("max_items", step.Stop.Rule);
        var classification = step.Classification!;
        Assert.True(classification.Forced);
        Assert.True(classification.Cuts[0].Forced);
        var ratio = classification.Cuts[0].LogLikelihoodRatio!.Value;
        Assert.Equal(ratio > 0 ? 1 : 0, classification.Level);
        Assert.Null(new AdaptiveTest(bank, new AdaptiveTestOptions(new ExpectedAPosterioriEstimator(), new MaximumInformationSelector(), new StoppingPolicy(0, new MaxItemsRule(3))))
            .Answer(test.Start(new Random(1)).State, 1, new Random(1)).Classification);
    }

    [Fact]
    public void SimulatedExamineesFarFromTheCutAreClassifiedCorrectlyAndSoonerThanAFullLengthTest()
    {
        const int runs = 500, maxItems = 30;
        var bank = ReferenceData.Get("3pl").Bank;
        var test = new AdaptiveTest(bank, SprtOptions(maxItems));
        var correct = 0;
        var totalLength = 0;
        for (var run = 0; run < runs; run++)
        {
            var trueTheta = run % 2 == 0 ? 1.5 : -1.5;
            var random = new Random(1000 + run);
            var examinee = new SimulatedExaminee(trueTheta, new Random(5000 + run));
            var step = test.Start(random);
            while (!step.Stop.Stop) step = test.Answer(step.State, examinee.Respond(bank[step.State.CurrentItem!.Value]), random);
            if (step.Classification!.Level == (trueTheta > 0 ? 1 : 0)) correct++;
            totalLength += step.State.Count;
        }
        Assert.True(correct >= 0.95 * runs, $"{correct} of {runs} classified correctly");
        Assert.True((double)totalLength / runs < maxItems, $"mean length {(double)totalLength / runs}");
    }
}
