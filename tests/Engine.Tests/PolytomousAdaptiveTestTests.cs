using Engine.Bank;
using Engine.Estimation;
using Engine.Models;
using Engine.Selection;
using Engine.Simulation;
using Engine.State;
using Engine.Stopping;
using Xunit;

namespace Engine.Tests;

/// <summary>Whole adaptive tests on polytomous and mixed banks: catR's runs replayed live, state bytes, simulation.</summary>
public class PolytomousAdaptiveTestTests
{
    private static AdaptiveTestOptions Options(IAbilityEstimator estimator, int maxItems) =>
        new(estimator, new MaximumInformationSelector(), new StoppingPolicy(0, new MaxItemsRule(maxItems)));

    [Theory]
    [InlineData("grm")]
    [InlineData("gpcm")]
    [InlineData("pcm")]
    public void AnUninterruptedRunServesCatRsItemsAndReplaysBitForBit(string model)
    {
        var data = PolytomousReferenceData.Get(model);
        foreach (var examinee in data.Examinees.Where(e => e.Id is 0 or 3))
        {
            IAbilityEstimator driver = examinee.Driver == "EAP" ? new ExpectedAPosterioriEstimator() : new MaximumLikelihoodEstimator();
            var test = new AdaptiveTest(data.Bank, Options(driver, examinee.Items.Length));
            var step = test.Start(new Random(1));
            for (var k = 0; k < examinee.Items.Length; k++)
            {
                Assert.Equal(examinee.Items[k], step.State.CurrentItem);
                step = test.Answer(step.State, examinee.Responses[k], new Random(1));
                var expected = examinee.Steps[examinee.Driver == "EAP" ? "eap" : "ml_tight"][k];
                CatRReferenceTests.AssertClose(expected, step.State.Theta, examinee.Driver == "EAP" ? 1e-9 : 1e-6, $"{model} examinee {examinee.Id} step {k}");
            }
            Assert.Equal("max_items", step.Stop.Rule);

            // The state keeps categories 0..K, and a replay of its bytes gives the same θ and SE to the last bit.
            var restored = ExamState.FromBytes(step.State.ToBytes(includeEstimate: false));
            Assert.Equal(examinee.Responses, restored.Responses.ToArray());
            var replayed = test.Replay(restored.Items.ToArray(), restored.Responses.ToArray(), restored.CurrentItem, restored.Finished);
            Assert.Equal(BitConverter.DoubleToInt64Bits(step.State.Theta), BitConverter.DoubleToInt64Bits(replayed.Theta));
            Assert.Equal(BitConverter.DoubleToInt64Bits(step.State.StandardError), BitConverter.DoubleToInt64Bits(replayed.StandardError));
        }
    }

    [Fact]
    public void AnswersOutsideTheCurrentItemsCategoriesAreRejected()
    {
        var bank = new ItemBank([new GradedResponseItem(1.2, [-0.5, 0.5]), new LogisticItem(1, 0)]);
        var test = new AdaptiveTest(bank, Options(new ExpectedAPosterioriEstimator(), 2));
        var step = test.Start(new Random(1));
        Assert.Equal(0, step.State.CurrentItem);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => test.Answer(step.State, 3, new Random(1)));
        Assert.Contains("Item 0 takes responses 0 to 2", error.Message);
        step = test.Answer(step.State, 2, new Random(1));
        Assert.Equal(1, step.State.CurrentItem);
        Assert.Throws<ArgumentOutOfRangeException>(() => test.Answer(step.State, 2, new Random(1)));
    }

    [Fact]
    public void SimulatedExamineesAnswerInEveryCategoryWithItsProbability()
    {
        var item = new GradedResponseItem(1.3, [-1.2, -0.1, 0.8, 1.9]);
        var examinee = new SimulatedExaminee(0.3, new Random(42));
        const int draws = 200_000;
        var counts = new int[item.CategoryCount];
        for (var n = 0; n < draws; n++) counts[examinee.Respond(item)]++;
        for (var k = 0; k < counts.Length; k++)
        {
            var p = item.Probability(0.3, k);
            // Within 5 binomial standard deviations.
            Assert.InRange(counts[k] / (double)draws, p - 5 * Math.Sqrt(p * (1 - p) / draws), p + 5 * Math.Sqrt(p * (1 - p) / draws));
        }
    }

    [Fact]
    public void SimulationOnAMixedBankRecoversAbility()
    {
        var items = PolytomousModelTests.RandomItems(21, 160);
        var bank = new ItemBank(items);
        var thetas = Enumerable.Range(0, 300).Select(i => -2 + 4.0 * i / 299).ToArray();
        var options = Options(new ExpectedAPosterioriEstimator(), 15);
        var report = CatSimulation.Run(bank, options, thetas, seed: 7);
        Assert.Equal(15, report.MeanLength);
        Assert.InRange(report.Rmse, 0.1, 0.6);
        Assert.InRange(Math.Abs(report.Bias), 0, 0.15);
        Assert.Equal(new Dictionary<string, int> { ["max_items"] = 300 }, report.StopRules);
        Assert.Equal(15.0 / bank.Count, report.MeanExposure, 12);
        // The most informative items are graded and partial credit ones, but the tests also reach other families.
        var served = Enumerable.Range(0, bank.Count).Where(i => report.Exposure[i] > 0).Select(i => bank[i].GetType()).Distinct().ToArray();
        Assert.Contains(typeof(GradedResponseItem), served);
        Assert.Contains(typeof(PartialCreditItem), served);
        Assert.Equal(report.Tests.Select(t => t.Theta), CatSimulation.Run(bank, options, thetas, seed: 7).Tests.Select(t => t.Theta));
    }
}
