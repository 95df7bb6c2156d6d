using System.Text.Json;
using Xunit;

namespace IrtTool.Tests;

/// <summary>End-to-end tests of <c>irt simulate --design</c> and <c>irt exposure</c> on the sample bank and design.</summary>
public sealed class DesignCommandTests
{
    private static readonly string BankPath = Path.Combine(IrtRun.Samples, "bank.json");
    private static readonly string DesignPath = Path.Combine(IrtRun.Samples, "design.json");

    [Fact]
    public void SimulateDesign_ReportsAccuracyExposureClassificationAndConstraints()
    {
        var run = IrtRun.Invoke(null, "simulate", "--bank", BankPath, "--design", DesignPath, "--seed", "42", "--json");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(string.Empty, run.Error);
        var report = JsonDocument.Parse(run.Output).RootElement;
        Assert.Equal(2000, report.GetProperty("examinees").GetInt32());
        Assert.Equal(8, report.GetProperty("bands").GetArrayLength());
        Assert.Equal(2000, report.GetProperty("bands").EnumerateArray().Sum(b => b.GetProperty("examinees").GetInt32()));
        Assert.InRange(report.GetProperty("max_length").GetInt32(), 6, 8);
        Assert.Equal(0, report.GetProperty("blueprint_violations").GetInt32());
        Assert.Equal(0, report.GetProperty("enemy_violations").GetInt32());
        var classification = report.GetProperty("classification");
        Assert.InRange(classification.GetProperty("accuracy").GetDouble(), 0.7, 1);
        Assert.InRange(classification.GetProperty("consistency").GetDouble(), 0.6, 1);
        Assert.Equal(["fail", "pass"], classification.GetProperty("levels").EnumerateArray().Select(l => l.GetProperty("name").GetString()));
        Assert.InRange(report.GetProperty("mean_overlap").GetDouble(), 0, 1);

        var again = IrtRun.Invoke(null, "simulate", "--bank", BankPath, "--design", DesignPath, "--seed", "42", "--json");
        Assert.Equal(run.Output, again.Output);
        var table = IrtRun.Invoke(null, "simulate", "--bank", BankPath, "--design", DesignPath, "--seed", "42", "--examinees", "200");
        foreach (var label in new[] { "Design simulation: 200 examinees", "By true θ", "Classification consistency", "Enemy violations", "Classification levels" })
            Assert.Contains(label, table.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void SimulateDesign_RefusesPerOptionFlags()
    {
        var run = IrtRun.Invoke(null, "simulate", "--bank", BankPath, "--design", DesignPath, "--max-items", "10", "--prior-sd", "2");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal(string.Empty, run.Output);
        Assert.Contains("cannot be combined with --max-items, --prior-sd", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidDesign_ListsEveryProblemByField()
    {
        const string design = """
            {"estimator":{"method":"ML","priorMean":0},"selection":{"blueprint":[{"topic":"physics","min":1}],"enemySets":[[3,99]]},
             "stopping":{"maxItems":30,"sprt":{"cuts":[0],"indifference":0.3},"classification":{"cuts":[0]}}}
            """;
        IrtRun.WithDesignFile(design, path =>
        {
            var run = IrtRun.Invoke(null, "simulate", "--bank", BankPath, "--design", path);
            Assert.Equal(ExitCodes.UsageError, run.ExitCode);
            Assert.Equal(string.Empty, run.Output);
            foreach (var line in new[]
            {
                "  estimator.priorMean: A prior applies to EAP and BM only, not to ML.",
                "  stopping.maxItems: stopping.maxItems 30 exceeds the 20 items that can be given.",
                "  stopping.sprt: Give stopping.classification or stopping.sprt, not both",
                "  selection.enemySets[0]: Item 99 is not in the bank.",
                "  selection.blueprint[0].topic: The bank has no topic 'physics'.",
            })
                Assert.Contains(line, run.Error, StringComparison.Ordinal);
        });
        IrtRun.WithDesignFile("""{"stopping":{"maxitem":5}}""", path =>
        {
            var run = IrtRun.Invoke(null, "simulate", "--bank", BankPath, "--design", path);
            Assert.Equal(ExitCodes.UsageError, run.ExitCode);
            Assert.Contains("is not a valid design", run.Error, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Exposure_WritesSympsonHetterParametersThatHoldInAFreshCheck()
    {
        var output = Path.Combine(Path.GetTempPath(), $"irt-design-{Guid.NewGuid():N}.json");
        try
        {
            var run = IrtRun.Invoke(null, "exposure", "--bank", BankPath, "--design", DesignPath, "--r-max", "0.5", "--seed", "42", "--examinees", "1500", "--output", output);

            Assert.Equal(0, run.ExitCode);
            Assert.Contains("iteration 1: max exposure", run.Output, StringComparison.Ordinal);
            Assert.Contains("converged after", run.Output, StringComparison.Ordinal);
            var check = System.Text.RegularExpressions.Regex.Match(run.Output, @"check with fresh seed \d+: max exposure ([0-9.]+)");
            Assert.True(check.Success, run.Output);
            Assert.True(double.Parse(check.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) <= 0.52, run.Output);

            var design = JsonDocument.Parse(File.ReadAllText(output)).RootElement;
            var selection = design.GetProperty("selection");
            Assert.Equal("sympson-hetter", selection.GetProperty("rule").GetString());
            var parameters = selection.GetProperty("exposureParameters").EnumerateObject().ToArray();
            Assert.NotEmpty(parameters);
            Assert.All(parameters, p => Assert.InRange(p.Value.GetDouble(), 0, 0.9999));
            Assert.Equal(2, selection.GetProperty("blueprint").GetArrayLength());

            // The written design runs as it is, within the target.
            var simulated = IrtRun.Invoke(null, "simulate", "--bank", BankPath, "--design", output, "--seed", "7", "--json");
            Assert.Equal(0, simulated.ExitCode);
            Assert.True(JsonDocument.Parse(simulated.Output).RootElement.GetProperty("max_exposure").GetDouble() <= 0.52, simulated.Output);
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public void Exposure_WithoutOutputWritesTheDesignToStdoutAndTheLogToStderr()
    {
        var run = IrtRun.Invoke(null, "exposure", "--bank", BankPath, "--design", DesignPath, "--r-max", "0.6", "--seed", "3", "--examinees", "500", "--iterations", "3");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("sympson-hetter", JsonDocument.Parse(run.Output).RootElement.GetProperty("selection").GetProperty("rule").GetString());
        Assert.Contains("iteration 1:", run.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.UsageError, IrtRun.Invoke(null, "exposure", "--bank", BankPath, "--design", DesignPath, "--r-max", "1.5").ExitCode);
    }
}
