using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace LoadGenerator.Practice;

/// <summary>
/// <c>loadgen practice-generation</c>: practice generation latency with the cache warm and cold (Postgres only) for one
/// student with a long history on a large bank (<see cref="GenerationBenchmark"/>). Exit code 0 when the history
/// verified, warm and cold generated the same sessions and every cold lookup missed and every warm one hit; 1 when
/// not; 2 for bad options or a failed run.
/// </summary>
public static class GenerationCli
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private static readonly JsonSerializerOptions ReportJson = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The <c>practice-generation</c> command.</summary>
    public static Command CreateCommand()
    {
        var defaults = new GenerationOptions();
        var targetArguments = new TargetArguments();
        var generations = new Option<int>("--generations") { Description = "Generations measured warm, and the same requests cold.", DefaultValueFactory = _ => defaults.Generations };
        var warmup = new Option<int>("--warmup-generations") { Description = "Warm and cold pairs run first and left out of the figures.", DefaultValueFactory = _ => defaults.WarmupGenerations };
        var bankSize = new Option<int>("--bank-size") { Description = "Items imported into the subject when it has none.", DefaultValueFactory = _ => defaults.BankSize };
        var topics = new Option<int>("--topics") { Description = "Topics the imported items are spread over.", DefaultValueFactory = _ => defaults.Topics };
        var attempts = new Option<int>("--attempts") { Description = "The student's answers (exam and practice) before the measurement.", DefaultValueFactory = _ => defaults.Attempts };
        var size = new Option<int>("--size") { Description = "Questions of each measured generation.", DefaultValueFactory = _ => defaults.Size };
        var subject = new Option<string>("--subject") { Description = "The benchmark's subject (imported if it has no items).", DefaultValueFactory = _ => defaults.Subject };
        var seed = new Option<int>("--seed") { Description = "Seed of the student's ability and answers and of the generations.", DefaultValueFactory = _ => defaults.Seed };
        var json = new Option<string?>("--json") { Description = "Also write the report as JSON to FILE, or to stdout with '-' (progress and tables then go to stderr)." };
        var command = new Command("practice-generation", "Practice session generation latency with the cache warm and cold (Postgres only), for a student with a long history on a large bank.")
        {
            generations, warmup, bankSize, topics, attempts, size, subject, seed, json,
        };
        targetArguments.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var jsonPath = parse.GetValue(json);
            var (console, _, plain) = LoadCli.CreateConsole(jsonPath);
            GenerationOptions options;
            try
            {
                options = new GenerationOptions
                {
                    Generations = parse.GetValue(generations),
                    WarmupGenerations = parse.GetValue(warmup),
                    BankSize = parse.GetValue(bankSize),
                    Topics = parse.GetValue(topics),
                    Attempts = parse.GetValue(attempts),
                    Size = parse.GetValue(size),
                    Subject = parse.GetValue(subject)!,
                    Seed = parse.GetValue(seed),
                };
                options.Validate();
                targetArguments.Validate(parse);
            }
            catch (ArgumentException error)
            {
                await Console.Error.WriteLineAsync($"loadgen practice-generation: {error.Message}");
                return 2;
            }

            try
            {
                var report = await targetArguments.RunAsync(parse, console,
                    target => new GenerationBenchmark(target, options).RunAsync(line => plain.WriteLine(line), cancellationToken), cancellationToken);
                Write(console, report);
                if (jsonPath == "-") await Console.Out.WriteLineAsync(JsonSerializer.Serialize(report, ReportJson));
                else if (jsonPath is not null) await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(report, ReportJson), CancellationToken.None);
                return report.Passed ? 0 : 1;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("loadgen practice-generation: cancelled; nothing reported.");
                return 2;
            }
            catch (Exception error) when (error is ArgumentException or UriFormatException or InvalidOperationException or Aspire.Hosting.DistributedApplicationException
                or HttpRequestException or Npgsql.NpgsqlException)
            {
                await Console.Error.WriteLineAsync($"loadgen practice-generation: {error.Message}");
                return 2;
            }
        });
        return command;
    }

    private static void Write(IAnsiConsole console, GenerationReport report)
    {
        var history = report.History;
        var summary = ConsoleReport.Table("Practice generation", "value");
        summary.AddRow("bank", Markup.Escape(string.Create(Invariant, $"{report.Options.Subject}: {report.BankItems:N0} items, {report.Options.Topics} topics")));
        summary.AddRow("student", Markup.Escape(string.Create(Invariant,
            $"{history.StudentId}: {history.ExamAnswers + history.PracticeAnswers:N0} answers ({history.Exams} exams, {history.ExamAnswers:N0} answers; {history.PracticeSessions} practice sessions, {history.PracticeAnswers:N0} answers) over {history.Days:F0} days, seeded in {history.Seconds:F1} s")));
        summary.AddRow("history verified", history.Passed ? "passed" : "[red]FAILED[/]");
        summary.AddRow("generations", string.Create(Invariant, $"{report.Cold.Count:N0} cold, {report.Warm.Count:N0} warm (same requests), {report.Options.Size} questions each"));
        if (report.LoadAverage is [var before, var after]) summary.AddRow("machine load average", string.Create(Invariant, $"{before:F1} → {after:F1}"));
        summary.AddRow("same session warm and cold", string.Create(Invariant, $"{report.SameSessions:N0} of {report.SameSessions + report.DifferentSessions:N0} pairs"));
        console.Write(summary);

        var sections = ConsoleReport.Table("Sections (first measured session)", "questions", "topics");
        foreach (var section in report.Sections) sections.AddRow(section.Name, section.Questions.ToString(Invariant), Markup.Escape(string.Join(", ", section.Topics)));
        console.Write(sections);

        var latency = ConsoleReport.Table("Generation latency (ms, client)", "p50", "p95", "p99", "max", "mean");
        foreach (var (name, l) in new[] { ("cold (Postgres only)", report.Cold), ("warm (cache filled)", report.Warm) })
            latency.AddRow(name, ConsoleReport.Ms(l.P50Ms), ConsoleReport.Ms(l.P95Ms), ConsoleReport.Ms(l.P99Ms), ConsoleReport.Ms(l.MaxMs), ConsoleReport.Ms(l.MeanMs));
        latency.AddRow("warm faster by", report.FasterAtP50.ToString("P0", Invariant), "", report.FasterAtP99.ToString("P0", Invariant), "", report.FasterOnAverage.ToString("P0", Invariant));
        console.Write(latency);

        console.Write(ConsoleReport.LookupTable("Cache lookups, cold generations", report.ColdLookups));
        console.Write(ConsoleReport.LookupTable("Cache lookups, warm generations", report.WarmLookups));
        foreach (var problem in history.ExamVerification.Problems.Concat(history.PracticeVerification.Problems)) console.MarkupLine($"[red]{Markup.Escape(problem)}[/]");
        if (report.DashboardExamApiTraces is { } traces) console.MarkupLine($"telemetry: {ConsoleReport.Telemetry(traces)}");
    }
}
