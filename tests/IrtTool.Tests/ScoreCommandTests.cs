using System.Text;
using System.Text.Json;
using Engine.Bank;
using Engine.Estimation;
using Xunit;

namespace IrtTool.Tests;

/// <summary>End-to-end tests of <c>irt score</c>, run in-process on the sample bank and patterns.</summary>
public sealed class ScoreCommandTests
{
    private static readonly string BankPath = Path.Combine(IrtRun.Samples, "bank.json");
    private static readonly string PatternsPath = Path.Combine(IrtRun.Samples, "patterns.jsonl");

    [Fact]
    public void SamplePatterns_GiveTheEngineEstimatesAndMfiNextItems()
    {
        var run = IrtRun.Invoke(null, "score", "--bank", BankPath, "--patterns", PatternsPath, "--method", "EAP", "--method", "ML", "--method", "BM", "--method", "WL");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(string.Empty, run.Error);
        var bank = LoadSampleBankDirectly();
        IAbilityEstimator[] estimators = [new ExpectedAPosterioriEstimator(), new MaximumLikelihoodEstimator(), new BayesModalEstimator(), new WeightedLikelihoodEstimator()];
        var patterns = File.ReadAllLines(PatternsPath);
        Assert.Equal(patterns.Length, run.OutputLines.Length);
        for (var line = 0; line < patterns.Length; line++)
        {
            using var pattern = JsonDocument.Parse(patterns[line]);
            using var result = JsonDocument.Parse(run.OutputLines[line]);
            Assert.Equal(pattern.RootElement.GetProperty("id").GetString(), result.RootElement.GetProperty("id").GetString());
            var items = pattern.RootElement.GetProperty("items").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var responses = pattern.RootElement.GetProperty("responses").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var estimates = result.RootElement.GetProperty("estimates");
            Assert.Equal(["EAP", "ML", "BM", "WL"], estimates.EnumerateObject().Select(p => p.Name));
            foreach (var estimator in estimators)
            {
                var expected = estimator.Estimate(bank, items, responses);
                var actual = estimates.GetProperty(estimator.Name);
                // Printed numbers round-trip, so the tool's θ and SE are the engine's to the last bit.
                Assert.Equal(expected.Theta, actual.GetProperty("theta").GetDouble());
                if (double.IsFinite(expected.StandardError)) Assert.Equal(expected.StandardError, actual.GetProperty("se").GetDouble());
                else Assert.Equal(JsonValueKind.Null, actual.GetProperty("se").ValueKind);
                var next = actual.GetProperty("next_item");
                Assert.Equal(MostInformativeUnused(bank, expected.Theta, items), next.ValueKind == JsonValueKind.Null ? null : next.GetInt32());
            }
        }
    }

    [Fact]
    public void PatternWithEveryItem_HasNoNextItem_WhileShorterPatternsDo()
    {
        var run = IrtRun.Invoke(null, "score", "--bank", BankPath, "--patterns", PatternsPath, "--method", "EAP", "--method", "ML");

        var byId = run.OutputLines.Select(line => JsonDocument.Parse(line).RootElement).ToDictionary(e => e.GetProperty("id").GetString()!);
        foreach (var method in new[] { "EAP", "ML" })
        {
            Assert.Equal(JsonValueKind.Null, byId["erin"].GetProperty("estimates").GetProperty(method).GetProperty("next_item").ValueKind);
            Assert.Equal(JsonValueKind.Number, byId["alice"].GetProperty("estimates").GetProperty(method).GetProperty("next_item").ValueKind);
        }
    }

    [Fact]
    public void EmptyPattern_HasNullSeForMaximumLikelihood_AndThePriorsSpreadForEap()
    {
        var run = IrtRun.Invoke("{\"id\":\"none\",\"items\":[],\"responses\":[]}\n", "score", "--bank", BankPath, "--patterns", "-", "--method", "ML", "--method", "EAP", "--prior-sd", "1.5");

        Assert.Equal(0, run.ExitCode);
        var estimates = JsonDocument.Parse(run.OutputLines.Single()).RootElement.GetProperty("estimates");
        Assert.Equal(JsonValueKind.Null, estimates.GetProperty("ML").GetProperty("se").ValueKind);
        // The posterior of no data is the prior, cut to the grid [−4, 4]; its SD is a little below the prior's 1.5.
        var expected = new ExpectedAPosterioriEstimator(prior: new NormalPrior(0, 1.5)).Estimate(LoadSampleBankDirectly(), [], []);
        Assert.Equal(expected.StandardError, estimates.GetProperty("EAP").GetProperty("se").GetDouble());
        Assert.InRange(expected.StandardError, 1.4, 1.5);
    }

    [Fact]
    public void PatternsDash_ReadsStandardInput_WithTheSameResultsAsTheFile()
    {
        var fromFile = IrtRun.Invoke(null, "score", "--bank", BankPath, "--patterns", PatternsPath, "--method", "BM");
        var fromStdin = IrtRun.Invoke(File.ReadAllText(PatternsPath), "score", "--bank", BankPath, "--patterns", "-", "--method", "BM");

        Assert.Equal(0, fromStdin.ExitCode);
        Assert.NotEmpty(fromStdin.OutputLines);
        Assert.Equal(fromFile.Output, fromStdin.Output);
    }

    [Fact]
    public void CrLfLineEndings_BlankLines_AndAMissingFinalNewline_AreAccepted()
    {
        var input = "\uFEFF{\"id\":\"a\",\"items\":[0],\"responses\":[1]}\r\n\r\n   \n{\"id\":\"b\",\"items\":[1],\"responses\":[0]}";
        var run = IrtRun.Invoke(input, "score", "--bank", BankPath, "--patterns", "-");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["a", "b"], run.OutputLines.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("id").GetString()));
    }

    [Theory]
    [InlineData("{\"id\":\"bad\",\"items\":[0,1],\"responses\":[1,0", "malformed JSON")]
    [InlineData("{\"id\":\"bad\",\"items\":[0,20],\"responses\":[1,0]}", "item index 20 (position 1) is outside the bank of 20 items")]
    [InlineData("{\"id\":\"bad\",\"items\":[0,-1],\"responses\":[1,0]}", "item index -1")]
    [InlineData("{\"id\":\"bad\",\"items\":[0,1],\"responses\":[1,2]}", "response 2 to item 1 (position 1) is not 0 or 1")]
    [InlineData("{\"id\":\"bad\",\"items\":[0,1],\"responses\":[1]}", "2 items but 1 responses")]
    [InlineData("{\"id\":\"bad\",\"items\":[4,4],\"responses\":[1,0]}", "item 4 appears twice")]
    [InlineData("{\"id\":\"bad\",\"items\":[0,1.5],\"responses\":[1,0]}", "\"items\"[1] is 1.5, not an integer")]
    [InlineData("{\"id\":\"bad\",\"responses\":[1]}", "\"items\" is missing")]
    [InlineData("{\"id\":\"bad\",\"items\":[0],\"responses\":[1]} {}", "malformed JSON")]
    public void BadLine_GetsAnErrorLineWithItsIdAndNumber_OthersAreStillScored_ExitCodeIs1(string badLine, string expectedError)
    {
        var input = $"{{\"id\":\"first\",\"items\":[0],\"responses\":[1]}}\n{badLine}\n{{\"id\":\"last\",\"items\":[2],\"responses\":[0]}}\n";
        var run = IrtRun.Invoke(input, "score", "--bank", BankPath, "--patterns", "-");

        Assert.Equal(ExitCodes.PatternErrors, run.ExitCode);
        var lines = run.OutputLines.Select(line => JsonDocument.Parse(line).RootElement).ToArray();
        Assert.Equal(3, lines.Length);
        Assert.True(lines[0].TryGetProperty("estimates", out _));
        Assert.Equal("bad", lines[1].GetProperty("id").GetString());
        Assert.Equal(2, lines[1].GetProperty("line").GetInt32());
        Assert.Contains(expectedError, lines[1].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.False(lines[1].TryGetProperty("estimates", out _));
        Assert.Equal("last", lines[2].GetProperty("id").GetString());
        Assert.True(lines[2].TryGetProperty("estimates", out _));
    }

    [Fact]
    public void UnreadableLine_GetsANullId()
    {
        var run = IrtRun.Invoke("this is not json\n", "score", "--bank", BankPath, "--patterns", "-");

        Assert.Equal(ExitCodes.PatternErrors, run.ExitCode);
        var line = JsonDocument.Parse(run.OutputLines.Single()).RootElement;
        Assert.Equal(JsonValueKind.Null, line.GetProperty("id").ValueKind);
        Assert.StartsWith("malformed JSON", line.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"a\":[1,-0.5],\"b\":[0,0]}", "Discrimination a of item '1' must be a finite number > 0")]
    [InlineData("{\"a\":[1,1],\"b\":[0,0],\"c\":[0,1.2]}", "Lower asymptote c of item '1'")]
    [InlineData("{\"a\":[1,1],\"b\":[0]}", "\"b\" has 1 values but \"a\" has 2")]
    [InlineData("{\"b\":[0]}", "\"a\" (discriminations) is missing")]
    [InlineData("{\"a\":[1,\"x\"],\"b\":[0,0]}", "\"a\"[1] is \"x\", not a finite number")]
    [InlineData("{\"a\":[],\"b\":[]}", "the bank has no items")]
    [InlineData("[1,2,3]", "must be a JSON object")]
    [InlineData("{\"a\":[1,1],", "is not valid JSON")]
    public void BadBank_ExitsWith2AndAMessageNamingTheProblem(string bankJson, string expectedMessage)
    {
        IrtRun.WithBankFile(bankJson, bankPath =>
            IrtRun.Invoke("{\"id\":\"x\",\"items\":[0],\"responses\":[1]}\n", "score", "--bank", bankPath, "--patterns", "-").AssertBankRefused(bankPath, expectedMessage));
    }

    [Theory]
    [InlineData("cannot read the bank file '/nonexistent/bank.json'", "--bank", "/nonexistent/bank.json")]
    [InlineData("unknown --method 'XYZ'", "--method", "XYZ")]
    [InlineData("--prior-sd must be a finite number > 0", "--prior-sd", "0")]
    [InlineData("--nodes must be between 2 and 10000", "--nodes", "1")]
    [InlineData("--min-theta must be below --max-theta", "--min-theta", "3", "--max-theta", "-3")]
    [InlineData("--threads must be at least 1", "--threads", "0")]
    [InlineData("--scaling must be a finite number > 0", "--scaling", "-1.7")]
    [InlineData("cannot read the patterns file", "--patterns", "/nonexistent/patterns.jsonl")]
    [InlineData("Unrecognized command or argument '--bogus'", "--bogus")]
    public void BadOption_ExitsWith2AndAMessage(string expectedMessage, params string[] options)
    {
        var args = new List<string> { "score" };
        if (!options.Contains("--bank")) args.AddRange(["--bank", BankPath]);
        if (!options.Contains("--patterns")) args.AddRange(["--patterns", "-"]);
        args.AddRange(options);
        var run = IrtRun.Invoke("{\"id\":\"x\",\"items\":[0],\"responses\":[1]}\n", [.. args]);

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Equal(string.Empty, run.Output);
        Assert.Contains(expectedMessage, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingRequiredOption_ExitsWith2()
    {
        var run = IrtRun.Invoke(null, "score", "--patterns", "-");

        Assert.Equal(ExitCodes.UsageError, run.ExitCode);
        Assert.Contains("--bank", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ManyPatternsOverSeveralBlocksAndThreads_ComeOutInInputOrder_AsInASingleThreadedRun()
    {
        // Over 1 MB of input, so the reader hands out several blocks and lines straddle block boundaries; the padding
        // property also checks that unknown properties are skipped.
        var random = new Random(5);
        var input = new StringBuilder();
        const int count = 6000;
        for (var n = 0; n < count; n++)
        {
            var items = Enumerable.Range(0, 20).OrderBy(_ => random.Next()).Take(1 + random.Next(19)).ToArray();
            var responses = items.Select(_ => random.Next(2));
            var padding = new string('x', random.Next(400));
            input.Append($"{{\"id\":\"p{n}\",\"note\":\"{padding}\",\"items\":[{string.Join(',', items)}],\"responses\":[{string.Join(',', responses)}]}}\n");
        }
        Assert.True(input.Length > 1 << 20);

        var parallel = IrtRun.Invoke(input.ToString(), "score", "--bank", BankPath, "--patterns", "-", "--method", "EAP", "--method", "WL", "--threads", "4");
        var sequential = IrtRun.Invoke(input.ToString(), "score", "--bank", BankPath, "--patterns", "-", "--method", "EAP", "--method", "WL", "--threads", "1");

        Assert.Equal(0, parallel.ExitCode);
        var ids = parallel.OutputLines.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("id").GetString()).ToArray();
        Assert.Equal(Enumerable.Range(0, count).Select(n => $"p{n}"), ids);
        Assert.Equal(sequential.Output, parallel.Output);
    }

    [Fact]
    public void NumericIds_AreEchoedAsNumbers()
    {
        var run = IrtRun.Invoke("{\"id\":12345678901234,\"items\":[0],\"responses\":[1]}\n", "score", "--bank", BankPath, "--patterns", "-");

        Assert.StartsWith("{\"id\":12345678901234,", run.Output, StringComparison.Ordinal);
    }

    private static ItemBank LoadSampleBankDirectly()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(BankPath));
        double[] Column(string name) => document.RootElement.GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToArray();
        return ItemBank.FromParameters(Column("a"), Column("b"), Column("c"), Column("d"));
    }

    private static int? MostInformativeUnused(ItemBank bank, double theta, int[] administered)
    {
        int? best = null;
        var bestInformation = double.NegativeInfinity;
        for (var i = 0; i < bank.Count; i++)
        {
            if (administered.Contains(i)) continue;
            var information = bank[i].Information(theta);
            if (information > bestInformation)
            {
                best = i;
                bestInformation = information;
            }
        }
        return best;
    }
}
