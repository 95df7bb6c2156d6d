// irt: command-line tools for test designers. Table of contents:
//   IrtCli.cs            the command tree, option parsing and exit codes
//   ScoreCommand.cs      `irt score`: batch scoring of response patterns, JSON lines in, JSON lines out
//     JsonLinesReader.cs   streams the pattern input in blocks of whole lines
//     PatternParser.cs     one pattern line → items and responses, with the reason when it is bad
//     PatternScorer.cs     scores a run of lines into JSON output (one instance per parallel chunk)
//   SimulateCommand.cs   `irt simulate`: a CAT simulation study (bias, RMSE, length, exposure, stopping rules)
//     ThetaDistribution.cs the true-ability distribution of the simulated examinees
//     SimulationOutput.cs  the report as a Spectre.Console table or as JSON
//   BankFile.cs          reads an item bank JSON file
//   EstimatorOptions.cs  the estimation options shared by both commands
//   StandardStreams.cs   stdin/stdout/stderr, swappable so the tests run commands in-process
using IrtTool;

return IrtCli.Run(args, StandardStreams.FromConsole());
