using Engine.Estimation;
using Xunit;

namespace Engine.Tests;

/// <summary>Every step of every examinee of the catR reference files, for all four estimators and the next-item pick.</summary>
public class CatRReferenceTests
{
    private const double RootTolerance = 1e-6;
    private const double EapTolerance = 1e-9;

    public static IEnumerable<object[]> Examinees() => ReferenceData.Steps();

    [Theory]
    [MemberData(nameof(Examinees))]
    public void MaximumLikelihoodMatchesEveryStep(string bank, int id) =>
        AssertRootEstimator(bank, id, new MaximumLikelihoodEstimator(), "ml_tight", "se_ml_tight", "ml_branch");

    [Theory]
    [MemberData(nameof(Examinees))]
    public void BayesModalMatchesEveryStep(string bank, int id) =>
        AssertRootEstimator(bank, id, new BayesModalEstimator(), "bm_tight", "se_bm_tight", null);

    [Theory]
    [MemberData(nameof(Examinees))]
    public void WeightedLikelihoodMatchesEveryStep(string bank, int id) =>
        AssertRootEstimator(bank, id, new WeightedLikelihoodEstimator(), "wl_tight", "se_wl_tight", "wl_branch");

    [Theory]
    [MemberData(nameof(Examinees))]
    public void ExpectedAPosterioriMatchesEveryStep(string bank, int id)
    {
        var (data, examinee) = Find(bank, id);
        var estimator = new ExpectedAPosterioriEstimator();
        for (var k = 0; k < examinee.Items.Length; k++)
        {
            var estimate = estimator.Estimate(data.Bank, examinee.Items.AsSpan(0, k + 1), examinee.Responses.AsSpan(0, k + 1));
            AssertClose(examinee.Steps["eap"][k], estimate.Theta, EapTolerance, $"EAP step {k}");
            AssertClose(examinee.Steps["se_eap"][k], estimate.StandardError, EapTolerance, $"EAP SE step {k}");
        }
    }

    private static void AssertRootEstimator(string bank, int id, IAbilityEstimator estimator, string thetaField, string seField, string? branchField)
    {
        var (data, examinee) = Find(bank, id);
        for (var k = 0; k < examinee.Items.Length; k++)
        {
            var estimate = estimator.Estimate(data.Bank, examinee.Items.AsSpan(0, k + 1), examinee.Responses.AsSpan(0, k + 1));
            var expected = examinee.Steps[thetaField][k];
            if (branchField is not null)
            {
                var branch = (int)examinee.Steps[branchField][k];
                var origin = branch switch
                {
                    0 => EstimateOrigin.Root,
                    1 => EstimateOrigin.UpperBound,
                    2 => EstimateOrigin.LowerBound,
                    _ => EstimateOrigin.InteriorFallback,
                };
                Assert.True(origin == estimate.Origin, $"{estimator.Name} step {k}: origin {estimate.Origin}, catR branch {branch}");
                if (origin is EstimateOrigin.UpperBound or EstimateOrigin.LowerBound) Assert.Equal(expected, estimate.Theta);
            }
            AssertClose(expected, estimate.Theta, RootTolerance, $"{estimator.Name} step {k}");
            AssertClose(examinee.Steps[seField][k], estimate.StandardError, RootTolerance, $"{estimator.Name} SE step {k}");
        }
    }

    internal static (ReferenceData Data, ReferenceExaminee Examinee) Find(string bank, int id)
    {
        var data = ReferenceData.Get(bank);
        return (data, data.Examinees.Single(e => e.Id == id));
    }

    internal static void AssertClose(double expected, double actual, double tolerance, string what) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: expected {expected:R}, got {actual:R} (|Δ| = {Math.Abs(expected - actual):E2} > {tolerance:E0})");
}
