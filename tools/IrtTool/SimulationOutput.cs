using System.Globalization;
using System.Text;
using System.Text.Json;
using Engine.Simulation;
using Spectre.Console;

namespace IrtTool;

/// <summary>Writes a simulation report as a Spectre.Console table or as one JSON object.</summary>
public static class SimulationOutput
{
    /// <summary>Writes the summary and stopping rule tables to <paramref name="output"/>, in colour when it is a terminal.</summary>
    public static void WriteTable(Stream output, bool interactive, SimulationSettings settings, SimulationReport report)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(report);
        using var writer = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 4096, leaveOpen: true);
        var console = Console(writer, interactive);

        var summary = new Table().Title($"CAT simulation: {settings.Examinees} examinees, {settings.Method}, seed {settings.Seed}")
            .AddColumn("Measure").AddColumn(new TableColumn("Value").RightAligned());
        summary.AddRow("Bank", Markup.Escape($"{settings.BankPath} ({settings.BankSize} items)"));
        summary.AddRow("True θ distribution", settings.ThetaDistribution.ToString());
        summary.AddRow("Stopping", Markup.Escape(DescribeStopping(settings)));
        summary.AddRow("Bias (θ̂ − θ)", Format(report.Bias));
        summary.AddRow("RMSE", Format(report.Rmse));
        summary.AddRow("Mean test length", Format(report.MeanLength));
        summary.AddRow("Mean SE", Format(report.MeanStandardError));
        summary.AddRow("Max item exposure", Format(report.MaxExposure));
        summary.AddRow("Mean item exposure", Format(report.MeanExposure));
        summary.AddRow("Items never used", $"{report.ItemsNeverUsed} of {settings.BankSize}");
        console.Write(summary);

        var stops = new Table().Title("Stopping rules").AddColumn("Rule").AddColumn(new TableColumn("Tests").RightAligned()).AddColumn(new TableColumn("Share").RightAligned());
        foreach (var (rule, count) in report.StopRules)
            stops.AddRow(Markup.Escape(rule), count.ToString(CultureInfo.InvariantCulture), ((double)count / settings.Examinees).ToString("P1", CultureInfo.InvariantCulture));
        console.Write(stops);
    }

    /// <summary>Writes the report and its settings as one indented JSON object to <paramref name="output"/>.</summary>
    public static void WriteJson(Stream output, SimulationSettings settings, SimulationReport report)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(report);
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("examinees", settings.Examinees);
            writer.WriteNumber("seed", settings.Seed);
            writer.WriteString("method", settings.Method);
            writer.WriteNumber("bank_size", settings.BankSize);
            writer.WriteString("theta_distribution", settings.ThetaDistribution.ToString());
            writer.WriteStartObject("stopping");
            WriteNullable(writer, "max_items", settings.MaxItems);
            writer.WriteNumber("min_items", settings.MinItems);
            WriteNullable(writer, "se_target", settings.SeTarget);
            writer.WriteStartArray("cut_scores");
            foreach (var cut in settings.CutScores) writer.WriteNumberValue(cut);
            writer.WriteEndArray();
            writer.WriteEndObject();
            WriteNullable(writer, "randomesque", settings.Randomesque);
            WriteNullable(writer, "first_item_top", settings.FirstItemTop);
            writer.WriteNumber("start_theta", settings.StartTheta);
            writer.WriteNumber("bias", report.Bias);
            writer.WriteNumber("rmse", report.Rmse);
            writer.WriteNumber("mean_length", report.MeanLength);
            WriteNullable(writer, "mean_se", double.IsFinite(report.MeanStandardError) ? report.MeanStandardError : null);
            writer.WriteNumber("max_exposure", report.MaxExposure);
            writer.WriteNumber("mean_exposure", report.MeanExposure);
            writer.WriteNumber("items_never_used", report.ItemsNeverUsed);
            writer.WriteStartObject("stop_rules");
            foreach (var (rule, count) in report.StopRules) writer.WriteNumber(rule, count);
            writer.WriteEndObject();
            writer.WriteStartArray("exposure");
            foreach (var rate in report.Exposure) writer.WriteNumberValue(rate);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        output.Write("\n"u8);
        output.Flush();
    }

    /// <summary>A console writing to <paramref name="writer"/>: redirected output (a file, a pipe, a test) gets plain text with no escape codes.</summary>
    internal static IAnsiConsole Console(TextWriter writer, bool interactive) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(writer),
        Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
    });

    /// <summary>Writes a number, or null when there is none.</summary>
    internal static void WriteNullable(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is double number) writer.WriteNumber(name, number);
        else writer.WriteNull(name);
    }

    private static string DescribeStopping(SimulationSettings settings)
    {
        var parts = new List<string>();
        if (settings.MaxItems is int max) parts.Add($"max {max} items");
        if (settings.SeTarget is double se) parts.Add(string.Create(CultureInfo.InvariantCulture, $"SE ≤ {se}"));
        if (settings.CutScores.Count > 0) parts.Add($"classification at {string.Join(", ", settings.CutScores.Select(c => c.ToString(CultureInfo.InvariantCulture)))}");
        if (settings.MinItems > 0) parts.Add($"min {settings.MinItems} items");
        return string.Join("; ", parts);
    }

    private static string Format(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);
}
