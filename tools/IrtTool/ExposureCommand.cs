using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Engine.Design;
using Engine.Simulation;

namespace IrtTool;

/// <summary>
/// <c>irt exposure</c>: Sympson-Hetter exposure parameters for a design by the iterative simulations of Sympson and
/// Hetter (1985), written into the design; a final simulation with fresh seeds checks the result.
/// </summary>
public static class ExposureCommand
{
    /// <summary>Builds the command, bound to <paramref name="streams"/>.</summary>
    public static Command Create(StandardStreams streams)
    {
        var bank = new Option<string>("--bank") { Description = "Item bank JSON file.", Required = true };
        var design = new Option<string>("--design") { Description = "Test design JSON file; its selection becomes sympson-hetter.", Required = true };
        var rMax = new Option<double>("--r-max") { Description = "Target maximum exposure rate, in (0, 1].", Required = true };
        var examinees = new Option<int>("--examinees") { Description = "Simulated examinees per iteration (and in the final check).", DefaultValueFactory = _ => 2000 };
        var iterations = new Option<int>("--iterations") { Description = "Most iterations.", DefaultValueFactory = _ => 30 };
        var tolerance = new Option<double>("--tolerance") { Description = "Stop once max exposure ≤ r-max + tolerance.", DefaultValueFactory = _ => 0.01 };
        var seed = new Option<int?>("--seed") { Description = "Random seed; the same seed gives the same parameters. Default: random, shown." };
        var distribution = new Option<string>("--theta-distribution") { Description = "True abilities: normal:MEAN,SD or uniform:MIN,MAX.", DefaultValueFactory = _ => "normal:0,1" };
        var outputPath = new Option<string?>("--output") { Description = "Write the design with its exposure parameters here instead of to stdout." };
        var command = new Command("exposure", "Sympson-Hetter exposure parameters for a design by iterative simulation; writes the design with them. Exit code 2 for a bad bank, design or option.")
        {
            bank, design, rMax, examinees, iterations, tolerance, seed, distribution, outputPath,
        };
        command.SetAction(parseResult =>
        {
            var target = parseResult.GetValue(rMax);
            if (!(target > 0 && target <= 1)) throw new UsageException($"--r-max must be in (0, 1] (got {Format(target)}).");
            var count = parseResult.GetValue(examinees);
            if (count < 1) throw new UsageException($"--examinees must be at least 1 (got {count}).");
            var rounds = parseResult.GetValue(iterations);
            if (rounds < 1) throw new UsageException($"--iterations must be at least 1 (got {rounds}).");
            var slack = parseResult.GetValue(tolerance);
            if (!(slack >= 0 && slack < 1)) throw new UsageException($"--tolerance must be in [0, 1) (got {Format(slack)}).");
            var thetaDistribution = ThetaDistribution.Parse(parseResult.GetValue(distribution)!);
            var seedValue = parseResult.GetValue(seed) ?? Random.Shared.Next();
            var designPath = parseResult.GetValue(design)!;
            var bankPath = parseResult.GetValue(bank)!;
            var output = parseResult.GetValue(outputPath);

            var testDesign = DesignFile.Load(designPath);
            var (itemBank, ids) = BankFile.Read(bankPath, testDesign.Scaling);
            var itemIds = BankItemIds.Of(ids, itemBank);
            var compiled = DesignFile.Compile(designPath, testDesign, itemBank, itemIds);
            // The design goes to stdout unless --output is given; the log then takes stderr so the design stays clean.
            using var log = output is null ? null : new StreamWriter(streams.Output, leaveOpen: true) { AutoFlush = true };
            var logWriter = log ?? streams.Error;
            var started = Stopwatch.StartNew();
            var before = DesignSimulation.Run(compiled, itemBank, thetaDistribution.Draw(count, seedValue), seedValue);
            logWriter.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{designPath} as given: max exposure {before.MaxExposure:0.000}, {count} examinees, seed {seedValue}"));
            // The exposure rates average L/N (items per test over items available), so no K brings every one below a lower r-max.
            var floor = before.MeanLength / before.ItemsAvailable;
            if (target < floor)
            {
                logWriter.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"warning: --r-max {Format(target)} is below the mean exposure rate {floor:0.000} ({before.MeanLength:0.0} items per test over {before.ItemsAvailable} items): it cannot be reached; shorten the test, add items or raise --r-max"));
            }

            var calibration = SympsonHetterCalibration.Run(testDesign, itemBank, itemIds, thetaDistribution.Draw(count, seedValue), target, rounds, slack, seedValue,
                progress: new Progress(logWriter));
            // Fresh examinees and streams: the check does not reuse anything the calibration saw.
            var checkSeed = new Random(seedValue).Next();
            var check = DesignSimulation.Run(DesignCompiler.Compile(calibration.Design, itemBank, itemIds), itemBank, thetaDistribution.Draw(count, checkSeed), checkSeed);
            logWriter.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(calibration.Converged ? "converged" : "not converged")} after {calibration.Iterations.Count} iterations; {calibration.ExposureParameters.Count} items with K < 1; " +
                $"check with fresh seed {checkSeed}: max exposure {check.MaxExposure:0.000} (r-max {Format(target)}), mean length {check.MeanLength:0.0}, " +
                $"overlap {before.MeanOverlap:0.000} -> {check.MeanOverlap:0.000}, items never used {before.ItemsNeverUsed} -> {check.ItemsNeverUsed}; {started.Elapsed.TotalSeconds:0.0} s"));

            if (output is null)
            {
                DesignFile.Write(streams.Output, calibration.Design);
            }
            else
            {
                try
                {
                    using var file = File.Create(output);
                    DesignFile.Write(file, calibration.Design);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw new UsageException($"cannot write '{output}': {ex.Message}");
                }
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    // Writes each iteration as it ends (on the calibrating thread, so lines never interleave).
    private sealed class Progress(TextWriter writer) : IProgress<ExposureIteration>
    {
        public void Report(ExposureIteration value) => writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"iteration {value.Iteration}: max exposure {value.MaxExposure:0.000}, max selections per examinee {value.MaxSelection:0.000}, items with K < 1: {value.ItemsLimited}"));
    }
}
