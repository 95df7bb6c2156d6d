using Engine.Bank;
using Engine.Estimation;
using Engine.Selection;
using Engine.Simulation;
using Engine.State;
using Engine.Stopping;
using Xunit;

namespace Engine.Tests;

/// <summary>Running whole adaptive tests: first item, answers, stopping, replay, state bytes and simulation.</summary>
public class AdaptiveTestTests
{
    private static readonly ItemBank Bank = ReferenceData.Get("3pl").Bank;

    private static AdaptiveTestOptions Options(IAbilityEstimator? estimator = null, StoppingPolicy? stopping = null, IItemSelector? selector = null) =>
        new(estimator ?? new ExpectedAPosterioriEstimator(), selector ?? new MaximumInformationSelector(), stopping ?? new StoppingPolicy(0, new MaxItemsRule(30)));

    [Fact]
    public void AnUninterruptedRunReproducesTheCatRReferenceExaminee()
    {
        var data = ReferenceData.Get("3pl");
        var examinee = data.Examinees.First(e => e.Driver == "EAP");
        var test = new AdaptiveTest(data.Bank, Options());
        var step = test.Start(new Random(1));
        for (var k = 0; k < examinee.Items.Length; k++)
        {
            Assert.Equal(examinee.Items[k], step.State.CurrentItem);
            step = test.Answer(step.State, examinee.Responses[k], new Random(1));
            CatRReferenceTests.AssertClose(examinee.Steps["eap"][k], step.State.Theta, 1e-9, $"step {k}");
        }
        Assert.True(step.Stop.Stop);
        Assert.Equal("max_items", step.Stop.Rule);
        Assert.Null(step.State.CurrentItem);
        Assert.Throws<InvalidOperationException>(() => test.Answer(step.State, 1, new Random(1)));
    }

    // A start θ well away from 0, where the reference bank's best items at 0 are not the best any more: a runner that
    // ignored StartTheta would pick from the wrong list.
    private const double StartTheta = 1.6;

    private static int[] RankedAt(double theta) =>
        Enumerable.Range(0, Bank.Count).OrderByDescending(i => Bank[i].Information(theta)).ThenBy(i => i).ToArray();

    [Fact]
    public void RandomesqueFirstItemIsAmongTheTopKAtTheStartThetaAndRepeatsWithTheSeed()
    {
        const int k = 5;
        var topAtStart = RankedAt(StartTheta).Take(k).ToArray();
        Assert.Empty(topAtStart.Intersect(RankedAt(0).Take(k)));
        var options = Options() with { StartTheta = StartTheta, FirstItemSelector = new MaximumInformationSelector(ExposureControl.Randomesque(k)) };
        var test = new AdaptiveTest(Bank, options);

        var firsts = Enumerable.Range(0, 200).Select(seed => test.Start(new Random(seed))).ToArray();
        Assert.All(firsts, step =>
        {
            Assert.Contains(step.State.CurrentItem!.Value, topAtStart);
            Assert.Equal(step.State.CurrentItem, step.Next!.Item);
            Assert.Equal(StartTheta, step.Next.Theta);
            Assert.Equal($"randomesque({k})", step.Next.Rule);
            Assert.Equal(StartTheta, step.State.Theta);
        });
        // 200 seeds reach every one of the k items: the draw is random, not always the best.
        Assert.Equal(topAtStart.Order(), firsts.Select(s => s.State.CurrentItem!.Value).Distinct().Order());
        Assert.Equal(
            firsts.Select(s => s.State.CurrentItem),
            Enumerable.Range(0, 200).Select(seed => test.Start(new Random(seed)).State.CurrentItem));

        // The first-item selector is used for the first item only; later items come from the main selector (MFI).
        var second = test.Answer(firsts[0].State, 1, new Random(1));
        Assert.Equal("MFI", second.Next!.Rule);
    }

    [Fact]
    public void WithoutAFirstItemSelectorTheFirstItemIsTheMostInformativeAtTheStartTheta()
    {
        var test = new AdaptiveTest(Bank, Options() with { StartTheta = StartTheta });
        var best = RankedAt(StartTheta)[0];
        Assert.NotEqual(RankedAt(0)[0], best);
        foreach (var seed in new[] { 1, 2, 3 })
        {
            var step = test.Start(new Random(seed));
            Assert.Equal(best, step.State.CurrentItem);
            Assert.Equal("MFI", step.Next!.Rule);
            Assert.Equal(Bank[best].Information(StartTheta), step.Next.Information, 12);
        }
    }

    [Theory]
    [InlineData("ML")]
    [InlineData("BM")]
    [InlineData("EAP")]
    [InlineData("WL")]
    public void ReplayFromStoredAnswersIsBitIdentical(string method)
    {
        IAbilityEstimator estimator = method switch
        {
            "ML" => new MaximumLikelihoodEstimator(),
            "BM" => new BayesModalEstimator(),
            "WL" => new WeightedLikelihoodEstimator(),
            _ => new ExpectedAPosterioriEstimator(),
        };
        var test = new AdaptiveTest(Bank, Options(estimator, selector: new MaximumInformationSelector(ExposureControl.Randomesque(3))));
        var examinee = new SimulatedExaminee(0.8, new Random(5));
        var random = new Random(11);
        var step = test.Start(random);
        while (!step.Stop.Stop)
        {
            step = test.Answer(step.State, examinee.Respond(Bank[step.State.CurrentItem!.Value]), random);
            var replayed = test.Replay(step.State.Items.ToArray(), step.State.Responses.ToArray(), step.State.CurrentItem, step.State.Finished);
            Assert.Equal(BitConverter.DoubleToInt64Bits(step.State.Theta), BitConverter.DoubleToInt64Bits(replayed.Theta));
            Assert.Equal(BitConverter.DoubleToInt64Bits(step.State.StandardError), BitConverter.DoubleToInt64Bits(replayed.StandardError));
            Assert.Equal(step.State.ToBytes(), replayed.ToBytes());
        }
    }

    [Fact]
    public void StateRoundTripsThroughCompactBytes()
    {
        var test = new AdaptiveTest(Bank, Options());
        var examinee = new SimulatedExaminee(-0.2, new Random(8));
        var step = test.Start(new Random(1));
        for (var k = 0; k < 29; k++) step = test.Answer(step.State, examinee.Respond(Bank[step.State.CurrentItem!.Value]), new Random(1));
        var state = step.State;
        Assert.Equal(29, state.Count);
        step = test.Answer(state, 1, new Random(1));
        var bytes = step.State.ToBytes();
        Assert.True(bytes.Length <= 120, $"30 answers took {bytes.Length} bytes");
        var back = ExamState.FromBytes(bytes);
        Assert.Equal(step.State.Items.ToArray(), back.Items.ToArray());
        Assert.Equal(step.State.Responses.ToArray(), back.Responses.ToArray());
        Assert.Equal(step.State.Theta, back.Theta);
        Assert.Equal(step.State.StandardError, back.StandardError);
        Assert.Equal(step.State.CurrentItem, back.CurrentItem);
        Assert.Equal(step.State.Finished, back.Finished);

        var active = ExamState.FromBytes(state.ToBytes());
        Assert.Equal(state.CurrentItem, active.CurrentItem);
        Assert.False(active.Finished);
    }

    [Fact]
    public void ItemIndicesArePackedAtTheWidthTheLargestNeeds()
    {
        var random = new Random(5);
        var items = Enumerable.Range(0, 500).OrderBy(_ => random.Next()).Take(30).ToArray();
        var state = new ExamState(items, items.Select(i => i % 2).ToArray(), 0.5, 0.3, 250, finished: false);
        var bytes = state.ToBytes();

        // 18 header, 2 + 1 varints, 1 + 34 for 30 nine-bit indices, 1 + 4 for 30 one-bit responses.
        Assert.Equal(61, bytes.Length);
        Assert.Equal(items, ExamState.FromBytes(bytes).Items.ToArray());
    }

    [Fact]
    public void WithoutTheEstimateTheBytesAreShorterAndReplayRestoresItBitForBit()
    {
        var test = new AdaptiveTest(Bank, Options());
        var examinee = new SimulatedExaminee(0.7, new Random(4));
        var step = test.Start(new Random(2));
        for (var k = 0; k < 12; k++) step = test.Answer(step.State, examinee.Respond(Bank[step.State.CurrentItem!.Value]), new Random(2));

        var full = step.State.ToBytes();
        var lean = step.State.ToBytes(includeEstimate: false);
        Assert.Equal(full.Length - 16, lean.Length);
        var back = ExamState.FromBytes(lean);
        Assert.False(back.HasEstimate);
        Assert.True(ExamState.FromBytes(full).HasEstimate);

        var replayed = test.Replay(back.Items.ToArray(), back.Responses.ToArray(), back.CurrentItem, back.Finished);
        Assert.Equal(BitConverter.DoubleToInt64Bits(step.State.Theta), BitConverter.DoubleToInt64Bits(replayed.Theta));
        Assert.Equal(BitConverter.DoubleToInt64Bits(step.State.StandardError), BitConverter.DoubleToInt64Bits(replayed.StandardError));
        Assert.Equal(full, replayed.ToBytes());
    }

    [Fact]
    public void PolytomousResponsesAndLargeIndicesRoundTrip()
    {
        var state = new ExamState([0, 127, 128, 16_383, 16_384, 2_000_000], [0, 1, 2, 3, 4, 5], -1.25, 0.4, 77, finished: false);
        var back = ExamState.FromBytes(state.ToBytes());
        Assert.Equal(state.Items.ToArray(), back.Items.ToArray());
        Assert.Equal(state.Responses.ToArray(), back.Responses.ToArray());
        Assert.Equal(77, back.CurrentItem);
        var empty = ExamState.FromBytes(new ExamState([], [], 0, double.PositiveInfinity, 3, false).ToBytes());
        Assert.Equal(0, empty.Count);
        Assert.True(double.IsPositiveInfinity(empty.StandardError));
    }

    [Fact]
    public void WrittenIntoALargerBufferTheBytesAreThoseOfToBytes()
    {
        var random = new Random(3);
        var items = Enumerable.Range(0, 500).OrderBy(_ => random.Next()).Take(30).ToArray();
        var responses = items.Select(_ => random.Next(2)).ToArray();
        var state = new ExamState(items, responses, -0.123456789012345, 0.2987654321, 417, finished: false);
        Assert.Equal(
            "02022EF64637DD9ABFBF25DE020CF91ED33FA1031E0966E5F88A125D2BA4CADF986F36DA006DFA5FEB1B661D8E2B4DD9103151CF50F3EA0201DAE99D00",
            Convert.ToHexString(state.ToBytes()));
        Assert.Equal("020500000101", Convert.ToHexString(new ExamState([], [], 0.5, 1, null, true).ToBytes(includeEstimate: false)));

        foreach (var includeEstimate in new[] { true, false })
        {
            var expected = state.ToBytes(includeEstimate);
            Assert.Equal(expected.Length, state.ByteCount(includeEstimate));
            var buffer = Enumerable.Repeat((byte)0xff, expected.Length + 3).ToArray();
            state.WriteBytes(buffer, includeEstimate);
            Assert.Equal(expected, buffer[..expected.Length]);
            Assert.Equal(new byte[] { 0xff, 0xff, 0xff }, buffer[expected.Length..]);
            Assert.Throws<ArgumentException>(() => state.WriteBytes(new byte[expected.Length - 1], includeEstimate));
        }
    }

    [Fact]
    public void TheConstructorKeepsItsOwnCopiesAndRefusesImpossibleStates()
    {
        int[] items = [4, 2];
        List<int> responses = [1, 0];
        var state = new ExamState(items, responses, 0.1, 0.5, 7, finished: false);
        items[0] = 9;
        responses[1] = 1;
        Assert.Equal(new[] { 4, 2 }, state.Items.ToArray());
        Assert.Equal(new[] { 1, 0 }, state.Responses.ToArray());

        Assert.Equal("items", Assert.Throws<ArgumentNullException>(() => new ExamState(null!, [], 0, 0, null, false)).ParamName);
        Assert.Equal("responses", Assert.Throws<ArgumentNullException>(() => new ExamState([], null!, 0, 0, null, false)).ParamName);
        Assert.Equal("responses", Assert.Throws<ArgumentException>(() => new ExamState([1, 2], [1], 0, 0, null, false)).ParamName);
        Assert.Equal("items", Assert.Throws<ArgumentOutOfRangeException>(() => new ExamState([1, -2], [1, 0], 0, 0, null, false)).ParamName);
        Assert.Equal("responses", Assert.Throws<ArgumentOutOfRangeException>(() => new ExamState([1, 2], [1, 256], 0, 0, null, false)).ParamName);
        Assert.Equal("responses", Assert.Throws<ArgumentOutOfRangeException>(() => new ExamState([1, 2], [-1, 0], 0, 0, null, false)).ParamName);
        Assert.Equal("currentItem", Assert.Throws<ArgumentOutOfRangeException>(() => new ExamState([1], [0], 0, 0, -1, false)).ParamName);
        Assert.Equal("currentItem", Assert.Throws<ArgumentException>(() => new ExamState([1], [0], 0, 0, 3, true)).ParamName);
        Assert.NotNull(new ExamState([0, int.MaxValue], [0, 255], 0, 0, 0, false));
    }

    [Fact]
    public void MalformedStateBytesAreRejected()
    {
        var bytes = new ExamState([1, 2, 3], [1, 0, 1], 0.1, 0.5, 4, false).ToBytes();
        Assert.Throws<FormatException>(() => ExamState.FromBytes(bytes.AsSpan(0, 5)));
        Assert.Throws<FormatException>(() => ExamState.FromBytes(bytes.AsSpan(0, bytes.Length - 1)));
        var wrongVersion = (byte[])bytes.Clone();
        wrongVersion[0] = 9;
        Assert.Contains("version 9", Assert.Throws<FormatException>(() => ExamState.FromBytes(wrongVersion)).Message);
        var badFlags = (byte[])bytes.Clone();
        badFlags[1] = 0xff;
        Assert.Throws<FormatException>(() => ExamState.FromBytes(badFlags));
    }

    [Fact]
    public void StoppingRulesFireAndReportTheirName()
    {
        var policy = new StoppingPolicy(5, new MaxItemsRule(20), new StandardErrorRule(0.3), new ClassificationRule([0.0], 1.96));
        Assert.False(policy.Evaluate(new StoppingContext(3, 2.0, 0.1, 100)).Stop); // below the minimum length
        Assert.Equal("se_target", policy.Evaluate(new StoppingContext(5, 0.1, 0.25, 100)).Rule);
        Assert.Equal("classification", policy.Evaluate(new StoppingContext(6, 1.5, 0.5, 100)).Rule);
        Assert.False(policy.Evaluate(new StoppingContext(6, 0.5, 0.5, 100)).Stop);
        Assert.Equal("max_items", policy.Evaluate(new StoppingContext(20, 0.5, 0.5, 100)).Rule);
        Assert.Equal("bank_exhausted", policy.Evaluate(new StoppingContext(2, 0.5, 0.9, 0)).Rule);
        Assert.False(new ClassificationRule([0.0]).IsMet(new StoppingContext(1, 3, double.PositiveInfinity, 10)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StoppingPolicy(40, new MaxItemsRule(30)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StandardErrorRule(0));
    }

    [Fact]
    public void SeTargetEndsTestsEarlierThanTheMaximum()
    {
        var options = Options(stopping: new StoppingPolicy(5, new MaxItemsRule(40), new StandardErrorRule(0.35)));
        var thetas = Enumerable.Range(0, 60).Select(i => -2 + 4.0 * i / 59).ToArray();
        var report = CatSimulation.Run(Bank, options, thetas, seed: 3);
        Assert.True(report.StopRules.ContainsKey("se_target"));
        Assert.All(report.Tests.Where(t => t.StopRule == "se_target"), t => Assert.True(t.StandardError <= 0.35 && t.Length >= 5));
        Assert.True(report.MeanLength < 40);
    }

    [Fact]
    public void ASmallBankIsExhausted()
    {
        var bank = ItemBank.FromParameters([1, 1.2, 0.8], [0, 1, -1]);
        var test = new AdaptiveTest(bank, Options(stopping: new StoppingPolicy(0, new StandardErrorRule(0.01))));
        var step = test.Start(new Random(1));
        step = test.Answer(step.State, 1, new Random(1));
        step = test.Answer(step.State, 0, new Random(1));
        step = test.Answer(step.State, 1, new Random(1));
        Assert.Equal("bank_exhausted", step.Stop.Rule);
        Assert.Throws<ArgumentOutOfRangeException>(() => test.Answer(test.Start(new Random(1)).State, 2, new Random(1)));
    }

    [Fact]
    public void SimulationIsReproducibleAndRecoversAbility()
    {
        var thetas = Enumerable.Range(0, 300).Select(i => -2.5 + 5.0 * i / 299).ToArray();
        var options = Options(selector: new MaximumInformationSelector(ExposureControl.Randomesque(4)));
        var first = CatSimulation.Run(Bank, options, thetas, seed: 42);
        var second = CatSimulation.Run(Bank, options, thetas, seed: 42);
        Assert.Equal(first.Tests, second.Tests);
        Assert.NotEqual(first.Tests, CatSimulation.Run(Bank, options, thetas, seed: 43).Tests);
        Assert.InRange(first.Rmse, 0.1, 0.45);
        Assert.InRange(Math.Abs(first.Bias), 0, 0.1);
        Assert.Equal(30, first.MeanLength);
        Assert.Equal(300, first.StopRules["max_items"]);
        Assert.Equal(30.0 / Bank.Count, first.MeanExposure, 12);
        Assert.True(first.MaxExposure <= 1);
    }

    [Fact]
    public void ContentBalancingMeetsTargetProportionsOverASimulation()
    {
        var reference = ReferenceData.Get("3pl").Bank;
        var topics = Enumerable.Range(0, reference.Count).Select(i => (i % 5) switch { 0 or 1 => "algebra", 2 or 3 => "geometry", _ => "statistics" }).ToArray();
        var bank = new ItemBank(Enumerable.Range(0, reference.Count).Select(i => reference[i]), topics);
        var targets = new Dictionary<string, double> { ["algebra"] = 0.5, ["geometry"] = 0.3, ["statistics"] = 0.2 };
        var options = Options(selector: new MaximumInformationSelector(content: new ContentBalance(targets)));
        var thetas = Enumerable.Range(0, 100).Select(i => -2 + 4.0 * i / 99).ToArray();
        var test = new AdaptiveTest(bank, options);
        var shares = new Dictionary<string, double> { ["algebra"] = 0, ["geometry"] = 0, ["statistics"] = 0 };
        for (var e = 0; e < thetas.Length; e++)
        {
            var examinee = new SimulatedExaminee(thetas[e], new Random(e));
            var step = test.Start(new Random(e));
            while (!step.Stop.Stop) step = test.Answer(step.State, examinee.Respond(bank[step.State.CurrentItem!.Value]), new Random(e));
            foreach (var item in step.State.Items) shares[bank.TopicOf(item)] += 1.0 / (30 * thetas.Length);
        }
        // Kingsbury-Zara keeps every test within one item of the targets: 15 / 9 / 6 of 30.
        Assert.Equal(0.5, shares["algebra"], 2);
        Assert.Equal(0.3, shares["geometry"], 2);
        Assert.Equal(0.2, shares["statistics"], 2);
    }

    [Fact]
    public void SimulatedResponsesFollowTheModel()
    {
        var item = Bank[0];
        var examinee = new SimulatedExaminee(0.3, new Random(9));
        var rate = Enumerable.Range(0, 20_000).Average(_ => examinee.Respond(item));
        var p = Math.Exp(item.LogLikelihood(0.3, 1));
        Assert.InRange(rate, p - 0.02, p + 0.02);
    }
}
