using System.Text;
using System.Text.Json;
using Xunit;

namespace IrtTool.Tests;

/// <summary><c>irt score</c> and <c>irt simulate</c> on polytomous banks: catR's reference files as they are, and bad input.</summary>
public sealed class PolytomousBankTests
{
    private static string ReferenceBank(string model) => Path.Combine(AppContext.BaseDirectory, "reference", "poly", $"catr_{model}_public.json");

    [Theory]
    [InlineData("grm")]
    [InlineData("gpcm")]
    [InlineData("pcm")]
    [InlineData("mgrm")]
    [InlineData("rsm")]
    [InlineData("nrm")]
    public void ScoringEveryStepOfTheReferenceRunsGivesCatRsEstimatesAndNextItems(string model)
    {
        using var reference = JsonDocument.Parse(File.ReadAllText(ReferenceBank(model)));
        var input = new StringBuilder();
        var expected = new List<(JsonElement Steps, int Step)>();
        foreach (var examinee in reference.RootElement.GetProperty("examinees").EnumerateArray())
        {
            var items = examinee.GetProperty("items").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var responses = examinee.GetProperty("resp").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            for (var k = 0; k < items.Length; k++)
            {
                input.Append($"{{\"id\":\"{examinee.GetProperty("id").GetInt32()}/{k}\",\"items\":[{string.Join(',', items.Take(k + 1))}],\"responses\":[{string.Join(',', responses.Take(k + 1))}]}}\n");
                expected.Add((examinee.GetProperty("steps"), k));
            }
        }

        var run = IrtRun.Invoke(input.ToString(), "score", "--bank", ReferenceBank(model), "--patterns", "-", "--method", "ML", "--method", "BM", "--method", "WL", "--method", "EAP");

        Assert.Equal(string.Empty, run.Error);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(400, run.OutputLines.Length);
        var comparedNextItems = 0;
        for (var line = 0; line < expected.Count; line++)
        {
            var (steps, k) = expected[line];
            var estimates = JsonDocument.Parse(run.OutputLines[line]).RootElement.GetProperty("estimates");
            foreach (var method in new[] { "ML", "BM", "WL", "EAP" })
            {
                var key = method.ToLowerInvariant();
                var actual = estimates.GetProperty(method);
                var where = $"{model} line {line + 1} {method}";
                var (thetaField, seField, tolerance) = method == "EAP" ? ("eap", "se_eap", 1e-9) : ($"{key}_tight", $"se_{key}_tight", 1e-6);
                var theta = actual.GetProperty("theta").GetDouble();
                var expectedTheta = steps.GetProperty(thetaField)[k].GetDouble();
                if (method != "EAP" && steps.GetProperty($"{key}_branch")[k].GetInt32() is 1 or 2) Assert.Equal(expectedTheta, theta);
                Assert.True(Math.Abs(expectedTheta - theta) <= tolerance, $"{where}: θ {theta:R}, catR {expectedTheta:R}");
                var se = actual.GetProperty("se").GetDouble();
                Assert.True(Math.Abs(steps.GetProperty(seField)[k].GetDouble() - se) <= tolerance, $"{where}: SE {se:R}");
                // catR's pick is asserted where it is clear (gap ≥ 1e-6); after the 20th item the tests stopped.
                var gap = steps.GetProperty($"gap_{key}")[k].GetDouble();
                if (gap < 1e-6) continue;
                Assert.Equal(steps.GetProperty($"next_{key}")[k].GetInt32(), actual.GetProperty("next_item").GetInt32());
                comparedNextItems++;
            }
        }
        Assert.True(comparedNextItems >= 1500, $"only {comparedNextItems} next items compared");
    }

    [Fact]
    public void TheReadmeSamplePatternsGetCatRsEstimates()
    {
        // samples/grm-patterns.jsonl holds prefixes of the GRM reference run's examinees, ids "examinee{id}-{length}".
        using var reference = JsonDocument.Parse(File.ReadAllText(ReferenceBank("grm")));
        var samplePath = Path.Combine(IrtRun.Samples, "grm-patterns.jsonl");
        var run = IrtRun.Invoke(null, "score", "--bank", ReferenceBank("grm"), "--patterns", samplePath, "--method", "EAP", "--method", "ML");

        Assert.Equal((0, string.Empty), (run.ExitCode, run.Error));
        Assert.Equal(File.ReadAllLines(samplePath).Length, run.OutputLines.Length);
        foreach (var line in run.OutputLines.Select(line => JsonDocument.Parse(line).RootElement))
        {
            var id = line.GetProperty("id").GetString()!.Split('-');
            var examinee = reference.RootElement.GetProperty("examinees").EnumerateArray().Single(e => e.GetProperty("id").GetInt32() == int.Parse(id[0]["examinee".Length..]));
            var steps = examinee.GetProperty("steps");
            var k = int.Parse(id[1]) - 1;
            var estimates = line.GetProperty("estimates");
            Assert.Equal(steps.GetProperty("eap")[k].GetDouble(), estimates.GetProperty("EAP").GetProperty("theta").GetDouble(), 9);
            Assert.Equal(steps.GetProperty("ml_tight")[k].GetDouble(), estimates.GetProperty("ML").GetProperty("theta").GetDouble(), 6);
            Assert.Equal(steps.GetProperty("next_eap")[k].GetInt32(), estimates.GetProperty("EAP").GetProperty("next_item").GetInt32());
        }
    }

    [Fact]
    public void TheBankObjectAloneAsTheReferenceFilesHoldItScoresLikeTheWholeFile()
    {
        // The "bank" value copied out verbatim (model, columns, layout, n_categories, null-padded params, generation).
        using var reference = JsonDocument.Parse(File.ReadAllText(ReferenceBank("gpcm")));
        var bankObject = reference.RootElement.GetProperty("bank");
        Assert.True(bankObject.TryGetProperty("columns", out _) && bankObject.TryGetProperty("layout", out _) && bankObject.TryGetProperty("generation", out _));
        var examinee = reference.RootElement.GetProperty("examinees")[1];
        var items = examinee.GetProperty("items").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var responses = examinee.GetProperty("resp").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var patterns = string.Concat(Enumerable.Range(1, items.Length).Select(k =>
            $"{{\"id\":{k},\"items\":[{string.Join(',', items.Take(k))}],\"responses\":[{string.Join(',', responses.Take(k))}]}}\n"));
        IrtRun.WithBankFile(bankObject.GetRawText(), bankPath =>
        {
            string[] methods = ["--method", "ML", "--method", "BM", "--method", "WL", "--method", "EAP"];
            var alone = IrtRun.Invoke(patterns, ["score", "--bank", bankPath, "--patterns", "-", .. methods]);
            var whole = IrtRun.Invoke(patterns, ["score", "--bank", ReferenceBank("gpcm"), "--patterns", "-", .. methods]);

            Assert.Equal((0, string.Empty), (alone.ExitCode, alone.Error));
            Assert.Equal(items.Length, alone.OutputLines.Length);
            Assert.Equal(whole.Output, alone.Output);
            // The last step's EAP and next item, as catR has them.
            var last = JsonDocument.Parse(alone.OutputLines[^1]).RootElement.GetProperty("estimates").GetProperty("EAP");
            var steps = examinee.GetProperty("steps");
            Assert.Equal(steps.GetProperty("eap")[items.Length - 1].GetDouble(), last.GetProperty("theta").GetDouble(), 9);
            Assert.Equal(steps.GetProperty("next_eap")[items.Length - 1].GetInt32(), last.GetProperty("next_item").GetInt32());
        });
    }

    [Fact]
    public void EqualGradedThresholdsAreAnEmptyCategoryAsInCatR()
    {
        // catR's generator rounds thresholds to 3 decimals, so two of them can be equal; the category between them can
        // never be given. Scores are those of the bank without the repeated threshold, and a response in the empty
        // category gets an error line.
        IrtRun.WithBankFile("{\"model\":\"GRM\",\"n_categories\":[5,3],\"params\":[[1.2,-0.5,0.3,0.3,1.1],[0.9,-0.2,0.6,null,null]]}", tied =>
        IrtRun.WithBankFile("{\"model\":\"GRM\",\"n_categories\":[4,3],\"params\":[[1.2,-0.5,0.3,1.1],[0.9,-0.2,0.6]]}", without =>
        {
            string[] methods = ["--method", "ML", "--method", "BM", "--method", "WL", "--method", "EAP"];
            var run = IrtRun.Invoke("{\"id\":1,\"items\":[0,1],\"responses\":[3,1]}\n{\"id\":2,\"items\":[0,1],\"responses\":[2,1]}\n",
                ["score", "--bank", tied, "--patterns", "-", .. methods]);
            var expected = IrtRun.Invoke("{\"id\":1,\"items\":[0,1],\"responses\":[2,1]}\n", ["score", "--bank", without, "--patterns", "-", .. methods]);

            Assert.Equal(ExitCodes.PatternErrors, run.ExitCode);
            Assert.Equal(expected.OutputLines[0], run.OutputLines[0]);
            Assert.Equal("response 2 to item 0 (position 0) is an empty category of the item (equal thresholds: probability 0 at every θ).",
                JsonDocument.Parse(run.OutputLines[1]).RootElement.GetProperty("error").GetString());
            var simulated = IrtRun.Invoke(null, "simulate", "--bank", tied, "--examinees", "50", "--seed", "3", "--max-items", "2");
            Assert.Equal((0, string.Empty), (simulated.ExitCode, simulated.Error));
        }));
    }

    [Fact]
    public void BadCategoryGetsAnErrorLineNamingTheItemAndItsCategories()
    {
        // Item 0 of the GRM reference bank has 4 categories (0 to 3).
        var run = IrtRun.Invoke("{\"id\":\"ok\",\"items\":[0,1],\"responses\":[3,2]}\n{\"id\":\"bad\",\"items\":[1,0],\"responses\":[0,4]}\n{\"id\":\"neg\",\"items\":[0],\"responses\":[-1]}\n",
            "score", "--bank", ReferenceBank("grm"), "--patterns", "-");

        Assert.Equal(ExitCodes.PatternErrors, run.ExitCode);
        var lines = run.OutputLines.Select(line => JsonDocument.Parse(line).RootElement).ToArray();
        Assert.True(lines[0].TryGetProperty("estimates", out _));
        Assert.Equal("response 4 to item 0 (position 1) is not one of its categories 0 to 3.", lines[1].GetProperty("error").GetString());
        Assert.Equal("response -1 to item 0 (position 0) is not one of its categories 0 to 3.", lines[2].GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("{\"model\":\"GRM\",\"params\":[[1.1,-0.4,0.6],[0.9,0.5,0.2]]}", "Threshold b2 of item '1' (0.2) must not be below b1 (0.5)")]
    [InlineData("{\"model\":\"MGRM\",\"params\":[[1.1,0.0,0.6,0.9]]}", "Category parameter c2 of item '0' (0.9) must not be above c1 (0.6)")]
    [InlineData("{\"model\":\"GPCM\",\"params\":[[1.1,-0.4,0.6],[0.9,0.5,null]],\"n_categories\":[3]}", "\"n_categories\" has 1 values but \"params\" has 2")]
    [InlineData("{\"model\":\"GPCM\",\"params\":[[1.1,-0.4,0.6],[0.9,0.5,null]],\"n_categories\":[3,3]}", "Item 1 has 3 categories but 2 parameters; a GPCM item with 3 categories has 3 (a, delta1, delta2)")]
    [InlineData("{\"model\":\"PCM\",\"params\":[[0.4,0.6],[null,null]]}", "item '1' has 0 PCM parameters, which make 1 response category")]
    [InlineData("{\"model\":\"GRM\",\"params\":[[1.1,-0.4],[0.9]],\"n_categories\":[2,1]}", "Item 1 has 1 response categories; an item needs at least 2")]
    [InlineData("{\"model\":\"GRM\",\"params\":[[1.1,null,0.4]]}", "Item 0's row has a null at parameter 2 (b1) but a value at parameter 3")]
    [InlineData("{\"model\":\"GPCM\",\"params\":[[1.1,\"NaN\"]]}", "\"params\"[0][1] (delta1 of item 0) is \"NaN\", not a finite number or null")]
    [InlineData("{\"model\":\"GPCM\",\"params\":[[1.1,1e999]]}", "\"params\"[0][1] (delta1 of item 0) is 1e999, not a finite number or null")]
    [InlineData("{\"model\":\"GPCM\",\"params\":[[-1.1,0.3]]}", "Discrimination a of item '0' must be a finite number > 0")]
    [InlineData("{\"model\":\"NRM\",\"params\":[[1.1,0.3,0.9]]}", "item '0' has 3 NRM parameters; an NRM row holds pairs")]
    [InlineData("{\"model\":\"XRM\",\"params\":[[1.1,0.3]]}", "\"model\" is \"XRM\"; use one of GRM, MGRM, PCM, GPCM, RSM, NRM")]
    [InlineData("{\"model\":\"GRM\"}", "the required array \"params\"")]
    [InlineData("{\"model\":\"GRM\",\"params\":[]}", "the bank has no items")]
    [InlineData("{\"model\":\"GRM\",\"params\":[[1.0,0.2],3]}", "\"params\"[1] is 3, not an array")]
    [InlineData("{\"bank\":{\"model\":\"GRM\",\"params\":[[1.0,0.2]],\"topics\":[\"a\",\"b\"]}}", "\"topics\" has 2 values but \"params\" has 1")]
    public void BadPolytomousBank_ExitsWith2AndAMessageNamingTheItemAndField(string bankJson, string expectedMessage)
    {
        IrtRun.WithBankFile(bankJson, bankPath =>
        {
            IrtRun.Invoke("{\"id\":\"x\",\"items\":[0],\"responses\":[1]}\n", "score", "--bank", bankPath, "--patterns", "-").AssertBankRefused(bankPath, expectedMessage);
            IrtRun.Invoke(null, "simulate", "--bank", bankPath, "--examinees", "10").AssertBankRefused(bankPath, expectedMessage);
        });
    }

    [Fact]
    public void SimulationOnAPolytomousBank_ReportsAsForDichotomousBanks()
    {
        var run = IrtRun.Invoke(null, "simulate", "--bank", ReferenceBank("gpcm"), "--examinees", "300", "--seed", "5", "--max-items", "12", "--se-target", "0.3", "--json");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(string.Empty, run.Error);
        var report = JsonDocument.Parse(run.Output).RootElement;
        Assert.Equal(150, report.GetProperty("bank_size").GetInt32());
        Assert.Equal(150, report.GetProperty("exposure").GetArrayLength());
        // Polytomous items carry more information than right/wrong ones: 12 items reach SE 0.3 for most examinees.
        Assert.InRange(report.GetProperty("rmse").GetDouble(), 0.1, 0.45);
        Assert.InRange(report.GetProperty("mean_se").GetDouble(), 0.15, 0.4);
        var stops = report.GetProperty("stop_rules").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal(300, stops.Values.Sum());
        Assert.True(stops.GetValueOrDefault("se_target") > 150, run.Output);
        Assert.Equal(run.Output, IrtRun.Invoke(null, "simulate", "--bank", ReferenceBank("gpcm"), "--examinees", "300", "--seed", "5", "--max-items", "12", "--se-target", "0.3", "--json").Output);
    }
}
