using System.CommandLine;
using Engine.Bank;
using Engine.Estimation;

namespace IrtTool;

/// <summary>
/// <c>irt score</c>: scores response patterns (JSON lines) with one or more estimators and writes one JSON line per
/// pattern, in input order, with θ, SE and the MFI next item for each estimator.
/// </summary>
public static class ScoreCommand
{
    // Lines of one block are split into this many chunks per thread, so a slow chunk does not idle the other threads.
    private const int ChunksPerThread = 4;

    /// <summary>Builds the command, bound to <paramref name="streams"/>.</summary>
    public static Command Create(StandardStreams streams)
    {
        var bank = new Option<string>("--bank") { Description = "Item bank JSON file: {\"a\":[..],\"b\":[..],\"c\":[..],\"d\":[..]} (c, d optional), or a polytomous bank as catR lays it out: {\"model\":\"GRM\",\"params\":[[..],..],\"n_categories\":[..]}.", Required = true };
        var patterns = new Option<string>("--patterns") { Description = "Pattern file, one {\"id\":..,\"items\":[..],\"responses\":[..]} per line; - reads stdin.", Required = true };
        var methods = new Option<string[]>("--method")
        {
            Description = $"Estimator, repeatable: {string.Join(", ", EstimatorOptions.MethodNames)}. Default EAP.",
            DefaultValueFactory = _ => ["EAP"],
        };
        var threads = new Option<int>("--threads") { Description = "Scoring threads (output order is the input order whatever the count).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var estimation = new EstimatorOptions();
        var command = new Command("score", "Score response patterns: one JSON line per pattern with theta, se and next_item per method. Exit code 0 when every line was scored, 1 when some lines were bad (each gets an error line), 2 for a bad bank, patterns file or option.")
        {
            bank,
            patterns,
            methods,
            threads,
        };
        estimation.AddTo(command);
        command.SetAction(parseResult =>
        {
            var threadCount = parseResult.GetValue(threads);
            if (threadCount < 1) throw new UsageException($"--threads must be at least 1 (got {threadCount}).");
            var names = parseResult.GetValue(methods)!.Select(EstimatorOptions.NormalizeMethod).Distinct().ToArray();
            var estimators = names.Select(name => estimation.Create(name, parseResult)).ToArray();
            var itemBank = BankFile.Load(parseResult.GetValue(bank)!, estimation.Scaling(parseResult));
            var path = parseResult.GetValue(patterns)!;
            using var input = path == "-" ? null : OpenPatterns(path);
            return Score(itemBank, estimators, input ?? streams.Input, streams.Output, threadCount);
        });
        return command;
    }

    /// <summary>Scores every line of <paramref name="input"/> to <paramref name="output"/>; returns the exit code.</summary>
    public static int Score(ItemBank bank, IReadOnlyList<IAbilityEstimator> estimators, Stream input, Stream output, int threads)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var reader = new JsonLinesReader(input);
        var scorers = new PatternScorer[threads * ChunksPerThread];
        for (var i = 0; i < scorers.Length; i++) scorers[i] = new PatternScorer(bank, estimators);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
        while (reader.TryReadBlock(out var block, out var lines))
        {
            var chunks = Math.Min(scorers.Length, lines.Count);
            var lineArray = (LineRange[])[.. lines];
            Parallel.For(0, chunks, parallel, chunk =>
            {
                var (start, end) = ((int)((long)lineArray.Length * chunk / chunks), (int)((long)lineArray.Length * (chunk + 1) / chunks));
                scorers[chunk].Score(block.Span, lineArray.AsSpan(start, end - start));
            });
            for (var chunk = 0; chunk < chunks; chunk++)
            {
                output.Write(scorers[chunk].Output.WrittenSpan);
                scorers[chunk].Output.ResetWrittenCount();
            }
            // One write and flush per block: cheap for big files, and interactive stdin gets its answers promptly.
            output.Flush();
        }
        return scorers.Any(s => s.FailedLines > 0) ? ExitCodes.PatternErrors : ExitCodes.Success;
    }

    private static FileStream OpenPatterns(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read the patterns file '{path}': {ex.Message}");
        }
    }
}
