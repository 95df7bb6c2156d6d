using System.CommandLine;
using System.Globalization;
using Engine;
using Engine.Bank;
using Engine.Selection;
using Engine.Simulation;
using Engine.Stopping;
using Spectre.Console;

namespace IrtTool;

/// <summary>The configuration of one simulation run, as echoed in its report.</summary>
public sealed record SimulationSettings(
    string BankPath,
    int BankSize,
    int Examinees,
    int Seed,
    string Method,
    int? MaxItems,
    int MinItems,
    double? SeTarget,
    IReadOnlyList<double> CutScores,
    int? Randomesque,
    int? FirstItemTop,
    double StartTheta,
    ThetaDistribution ThetaDistribution);

/// <summary>A design simulation's inputs, as echoed in its report.</summary>
public sealed record DesignRun(string DesignPath, string BankPath, int Examinees, int Seed, ThetaDistribution ThetaDistribution);

/// <summary>
/// <c>irt simulate</c>: runs simulated examinees with true abilities from a distribution through a CAT configuration and
/// reports estimation accuracy, test length, item exposure and which stopping rules ended the tests.
/// </summary>
public static class SimulateCommand
{
    private const int DefaultMaxItems = 30;
    private const int DesignExaminees = 2000;

    /// <summary>Builds the command, bound to <paramref name="streams"/>.</summary>
    public static Command Create(StandardStreams streams)
    {
        var bank = new Option<string>("--bank") { Description = "Item bank JSON file.", Required = true };
        var examinees = new Option<int>("--examinees") { Description = "Number of simulated examinees (default 1000, with --design 2000).", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int?>("--seed") { Description = "Random seed; the same seed gives the same report. Default: a random seed, shown in the report." };
        var method = new Option<string>("--method") { Description = $"Estimator: {string.Join(", ", EstimatorOptions.MethodNames)}.", DefaultValueFactory = _ => "EAP" };
        var maxItems = new Option<int>("--max-items") { Description = $"Maximum test length; 0 for none (then --se-target or --cut-scores must end the test).", DefaultValueFactory = _ => DefaultMaxItems };
        var minItems = new Option<int>("--min-items") { Description = "Items given before --se-target or --cut-scores may end the test.", DefaultValueFactory = _ => 0 };
        var seTarget = new Option<double?>("--se-target") { Description = "Stop once the standard error is at or below this." };
        var cutScores = new Option<string?>("--cut-scores") { Description = "Comma-separated θ cut scores: stop once θ ± 1.96·SE contains none." };
        var randomesque = new Option<int?>("--randomesque") { Description = "Exposure control: choose at random among the K most informative items." };
        var firstItemTop = new Option<int?>("--first-item-top") { Description = "Choose the first item at random among the K most informative at the start θ." };
        var startTheta = new Option<double>("--start-theta") { Description = "θ at which the first item is chosen.", DefaultValueFactory = _ => 0 };
        var distribution = new Option<string>("--theta-distribution") { Description = "True abilities: normal:MEAN,SD or uniform:MIN,MAX.", DefaultValueFactory = _ => "normal:0,1" };
        var json = new Option<bool>("--json") { Description = "Write the report as one JSON object on stdout instead of a table." };
        var design = new Option<string?>("--design") { Description = "Test design JSON file: simulate it instead of the per-option configuration (which it excludes)." };
        var estimation = new EstimatorOptions();
        var command = new Command("simulate", "Simulate a CAT: bias, RMSE, mean test length and SE, item exposure and stopping rule counts. Exit code 2 for a bad bank or option.")
        {
            bank, examinees, seed, method, maxItems, minItems, seTarget, cutScores, randomesque, firstItemTop, startTheta, distribution, json, design,
        };
        estimation.AddTo(command);
        Option[] configuration = [method, maxItems, minItems, seTarget, cutScores, randomesque, firstItemTop, startTheta, .. estimation.All];
        command.SetAction(parseResult =>
        {
            var count = parseResult.GetValue(examinees);
            if (count < 1) throw new UsageException($"--examinees must be at least 1 (got {count}).");
            if (parseResult.GetValue(design) is { } designPath)
            {
                var given = configuration.Where(o => parseResult.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToArray();
                if (given.Length > 0) throw new UsageException($"--design sets the whole test; it cannot be combined with {string.Join(", ", given)}.");
                if (parseResult.GetResult(examinees) is null or { Implicit: true }) count = DesignExaminees;
                var run = new DesignRun(designPath, parseResult.GetValue(bank)!, count, parseResult.GetValue(seed) ?? Random.Shared.Next(),
                    ThetaDistribution.Parse(parseResult.GetValue(distribution)!));
                return SimulateDesign(streams, run, parseResult.GetValue(json));
            }
            var methodName = EstimatorOptions.NormalizeMethod(parseResult.GetValue(method)!);
            var estimator = estimation.Create(methodName, parseResult);
            var maximum = parseResult.GetValue(maxItems);
            if (maximum < 0) throw new UsageException($"--max-items must be ≥ 0 (got {maximum}).");
            var minimum = parseResult.GetValue(minItems);
            if (minimum < 0) throw new UsageException($"--min-items must be ≥ 0 (got {minimum}).");
            if (maximum > 0 && minimum > maximum) throw new UsageException($"--min-items {minimum} exceeds --max-items {maximum}.");
            var target = parseResult.GetValue(seTarget);
            if (target is { } t && (!double.IsFinite(t) || t <= 0)) throw new UsageException($"--se-target must be a finite number > 0 (got {t}).");
            var cuts = ParseCutScores(parseResult.GetValue(cutScores));
            if (maximum == 0 && target is null && cuts.Count == 0)
                throw new UsageException("nothing bounds the test: give --max-items > 0, --se-target or --cut-scores.");
            var randomesqueCount = PositiveOrNull(parseResult.GetValue(randomesque), "--randomesque");
            var firstTop = PositiveOrNull(parseResult.GetValue(firstItemTop), "--first-item-top");
            var start = parseResult.GetValue(startTheta);
            if (!double.IsFinite(start)) throw new UsageException("--start-theta must be finite.");
            var thetaDistribution = ThetaDistribution.Parse(parseResult.GetValue(distribution)!);
            var bankPath = parseResult.GetValue(bank)!;
            var itemBank = BankFile.Load(bankPath, estimation.Scaling(parseResult));

            var settings = new SimulationSettings(bankPath, itemBank.Count, count, parseResult.GetValue(seed) ?? Random.Shared.Next(), methodName,
                maximum == 0 ? null : maximum, minimum, target, cuts, randomesqueCount, firstTop, start, thetaDistribution);
            var rules = new List<IStoppingRule>();
            if (settings.MaxItems is int max) rules.Add(new MaxItemsRule(max));
            if (target is double se) rules.Add(new StandardErrorRule(se));
            if (cuts.Count > 0) rules.Add(new ClassificationRule(cuts));
            var selector = new MaximumInformationSelector(randomesqueCount is int k ? ExposureControl.Randomesque(k) : ExposureControl.None);
            var options = new AdaptiveTestOptions(estimator, selector, new StoppingPolicy(minimum, rules))
            {
                StartTheta = start,
                FirstItemSelector = firstTop is int top ? new MaximumInformationSelector(ExposureControl.Randomesque(top)) : null,
            };
            var thetas = thetaDistribution.Draw(count, settings.Seed);
            var report = streams.ErrorIsInteractive
                ? WithProgressBar(streams.Error, thetas.Length, progress => CatSimulation.Run(itemBank, options, thetas, settings.Seed, progress))
                : CatSimulation.Run(itemBank, options, thetas, settings.Seed);
            if (parseResult.GetValue(json)) SimulationOutput.WriteJson(streams.Output, settings, report);
            else SimulationOutput.WriteTable(streams.Output, streams.OutputIsInteractive, settings, report);
            return ExitCodes.Success;
        });
        return command;
    }

    private static int SimulateDesign(StandardStreams streams, DesignRun run, bool json)
    {
        var testDesign = DesignFile.Load(run.DesignPath);
        var (itemBank, ids) = BankFile.Read(run.BankPath, testDesign.Scaling);
        var compiled = DesignFile.Compile(run.DesignPath, testDesign, itemBank, BankItemIds.Of(ids, itemBank));
        var thetas = run.ThetaDistribution.Draw(run.Examinees, run.Seed);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var report = streams.ErrorIsInteractive
            ? WithProgressBar(streams.Error, thetas.Length, progress => DesignSimulation.Run(compiled, itemBank, thetas, run.Seed, progress: progress))
            : DesignSimulation.Run(compiled, itemBank, thetas, run.Seed);
        var output = new DesignSimulationOutput(run, itemBank, report, started.Elapsed);
        if (json) output.WriteJson(streams.Output);
        else output.WriteTable(streams.Output, streams.OutputIsInteractive);
        return ExitCodes.Success;
    }

    /// <summary>Runs <paramref name="work"/> under a progress bar on <paramref name="error"/> (a terminal).</summary>
    internal static T WithProgressBar<T>(TextWriter error, int total, Func<IProgress<int>, T> work)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(error) });
        return console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context => work(new ProgressTaskUpdater(context.AddTask("Simulating examinees", maxValue: total))));
    }

    private static int? PositiveOrNull(int? value, string name) =>
        value is < 1 ? throw new UsageException($"{name} must be at least 1 (got {value}).") : value;

    private static List<double> ParseCutScores(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        var cuts = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var cut) || !double.IsFinite(cut))
                throw new UsageException($"--cut-scores '{text}': '{part}' is not a number.");
            cuts.Add(cut);
        }
        return cuts;
    }

    // The simulation reports completed counts from its worker threads, in any order; the bar only ever moves forward.
    private sealed class ProgressTaskUpdater(ProgressTask task) : IProgress<int>
    {
        private readonly Lock _lock = new();

        public void Report(int value)
        {
            lock (_lock)
            {
                if (value > task.Value) task.Value = value;
            }
        }
    }
}
