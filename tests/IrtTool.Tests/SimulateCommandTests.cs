using System.Text.Json;
using Xunit;

namespace IrtTool.Tests;

/// <summary>End-to-end tests of <c>irt simulate</c>, run in-process on the sample bank.</summary>
public sealed class SimulateCommandTests
{
    private static readonly string BankPath = Path.Combine(IrtRun.Samples, "bank.json");

    private static IrtRun Simulate(params string[] options) =>
        IrtRun.Invoke(null, ["simulate", "--bank", BankPath, "--examinees", "300", .. options]);

    [Fact]
    public void Json_HoldsTheDocumentedFields_Consistently()
    {
        var run = Simulate("--seed", "7", "--max-items", "8", "--json");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(string.Empty, run.Error);
        var report = JsonDocument.Parse(run.Output).RootElement;
        Assert.Equal(300, report.GetProperty("examinees").GetInt32());
        Assert.Equal(7, report.GetProperty("seed").GetInt32());
        Assert.Equal("EAP", report.GetProperty("method").GetString());
        Assert.Equal(8, report.GetProperty("stopping").GetProperty("max_items").GetInt32());
        Assert.InRange(Math.Abs(report.GetProperty("bias").GetDouble()), 0, 0.3);
        Assert.InRange(report.GetProperty("rmse").GetDouble(), 0.1, 1.5);
        Assert.Equal(8, report.GetProperty("mean_length").GetDouble());
        Assert.InRange(report.GetProperty("mean_se").GetDouble(), 0.1, 1);
        var exposure = report.GetProperty("exposure").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(20, exposure.Length);
        Assert.Equal(exposure.Max(), report.GetProperty("max_exposure").GetDouble());
        Assert.Equal(8.0 / 20, report.GetProperty("mean_exposure").GetDouble(), 12);
        Assert.Equal(exposure.Count(rate => rate == 0), report.GetProperty("items_never_used").GetInt32());
        var stops = report.GetProperty("stop_rules").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal(new Dictionary<string, int> { ["max_items"] = 300 }, stops);
    }

    [Fact]
    public void SameSeed_GivesIdenticalOutput_AnotherSeedDoesNot()
    {
        string[] options = ["--max-items", "10", "--randomesque", "3", "--first-item-top", "4", "--json"];
        var first = Simulate(["--seed", "11", .. options]);
        var again = Simulate(["--seed", "11", .. options]);
        var other = Simulate(["--seed", "12", .. options]);

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(first.Output, again.Output);
        Assert.NotEqual(first.Output, other.Output);
        Assert.NotEqual(
            JsonDocument.Parse(first.Output).RootElement.GetProperty("rmse").GetDouble(),
            JsonDocument.Parse(other.Output).RootElement.GetProperty("rmse").GetDouble());
    }

    [Fact]
    public void PrecisionAndClassificationRules_AreCountedWhenTheyEndTests()
    {
        var run = Simulate("--seed", "3", "--method", "bm", "--max-items", "15", "--min-items", "3", "--se-target", "0.55", "--cut-scores", "-1,1", "--theta-distribution", "uniform:-3,3", "--json");

        Assert.Equal(0, run.ExitCode);
        var report = JsonDocument.Parse(run.Output).RootElement;
        Assert.Equal("BM", report.GetProperty("method").GetString());
        Assert.Equal("uniform:-3,3", report.GetProperty("theta_distribution").GetString());
        var stops = report.GetProperty("stop_rules").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal(300, stops.Values.Sum());
        Assert.True(stops.GetValueOrDefault("classification") > 0, run.Output);
        Assert.All(stops.Keys, rule => Assert.Contains(rule, new[] { "max_items", "se_target", "classification", "bank_exhausted" }));
        Assert.InRange(report.GetProperty("mean_length").GetDouble(), 3, 15);
    }

    [Fact]
    public void Table_ShowsTheReportAsPlainTextWhenRedirected()
    {
        var run = Simulate("--seed", "5", "--se-target", "0.6", "--method", "ML");

        Assert.Equal(0, run.ExitCode);
        foreach (var label in new[] { "Bias", "RMSE", "Mean test length", "Mean SE", "Max item exposure", "Mean item exposure", "Items never used", "Stopping rules", "seed 5" })
            Assert.Contains(label, run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', run.Output);
    }

    [Theory]
    [InlineData("nothing bounds the test", "--max-items", "0")]
    [InlineData("--min-items 12 exceeds --max-items 10", "--max-items", "10", "--min-items", "12")]
    [InlineData("--theta-distribution 'normal:0' must be", "--theta-distribution", "normal:0")]
    [InlineData("the standard deviation must be > 0", "--theta-distribution", "normal:0,-1")]
    [InlineData("'abc' is not a number", "--cut-scores", "0,abc")]
    [InlineData("--randomesque must be at least 1", "--randomesque", "0")]
    [InlineData("--examinees must be at least 1", "--examinees", "0")]
    [InlineData("--se-target must be a finite number > 0", "--se-target", "-0.2")]
    public void BadOption_ExitsWith2AndAMessage(string expectedMessage, params string[] options)
    {
        var run = IrtRun.Invoke(null, ["simulate", "--bank", BankPath, "--seed", "1", .. options]);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal(string.Empty, run.Output);
        Assert.Contains(expectedMessage, run.Error, StringComparison.Ordinal);
    }
}
