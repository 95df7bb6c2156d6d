using System.Globalization;
using System.Text;
using System.Text.Json;
using Engine.Bank;
using Engine.Simulation;
using Spectre.Console;

namespace IrtTool;

/// <summary>Writes a design simulation report as Spectre.Console tables or as one JSON object.</summary>
public sealed class DesignSimulationOutput(DesignRun run, ItemBank bank, DesignSimulationReport report, TimeSpan elapsed)
{
    /// <summary>Writes the summary, θ band, stopping rule and classification tables, in colour when <paramref name="interactive"/>.</summary>
    public void WriteTable(Stream output, bool interactive)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var writer = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 4096, leaveOpen: true);
        var console = SimulationOutput.Console(writer, interactive);

        var summary = new Table().Title($"Design simulation: {run.Examinees} examinees, seed {run.Seed}")
            .AddColumn("Measure").AddColumn(new TableColumn("Value").RightAligned());
        summary.AddRow("Design", Markup.Escape(run.DesignPath));
        summary.AddRow("Bank", Markup.Escape($"{run.BankPath} ({bank.Count} items, {report.ItemsAvailable} can be given)"));
        summary.AddRow("True θ distribution", run.ThetaDistribution.ToString());
        summary.AddRow("Bias (θ̂ − θ)", Format(report.Bias));
        summary.AddRow("RMSE", Format(report.Rmse));
        summary.AddRow("Test length mean (min–max)", $"{Format(report.MeanLength)} ({report.MinLength}–{report.MaxLength})");
        summary.AddRow("Mean SE", Format(report.MeanStandardError));
        summary.AddRow("Max item exposure", Format(report.MaxExposure));
        summary.AddRow("Mean test overlap", Format(report.MeanOverlap));
        summary.AddRow("Items never used", $"{report.ItemsNeverUsed} of {report.ItemsAvailable}");
        summary.AddRow("Blueprint violations", report.BlueprintViolations.ToString(CultureInfo.InvariantCulture));
        summary.AddRow("Enemy violations", report.EnemyViolations.ToString(CultureInfo.InvariantCulture));
        if (report.Classification is { } classification)
        {
            summary.AddRow("Classification accuracy", Format(classification.Accuracy));
            summary.AddRow("Classification consistency", Format(classification.Consistency));
        }
        summary.AddRow("Time", string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalSeconds:0.0} s"));
        console.Write(summary);

        var bands = new Table().Title("By true θ").AddColumn("θ").AddColumn(new TableColumn("Examinees").RightAligned())
            .AddColumn(new TableColumn("Bias").RightAligned()).AddColumn(new TableColumn("RMSE").RightAligned());
        foreach (var band in report.Bands)
            bands.AddRow(Markup.Escape(Describe(band)), band.Examinees.ToString(CultureInfo.InvariantCulture), Format(band.Bias), Format(band.Rmse));
        console.Write(bands);

        var stops = new Table().Title("Stopping rules").AddColumn("Rule").AddColumn(new TableColumn("Tests").RightAligned()).AddColumn(new TableColumn("Share").RightAligned());
        foreach (var (rule, count) in report.StopRules)
            stops.AddRow(Markup.Escape(rule), count.ToString(CultureInfo.InvariantCulture), ((double)count / run.Examinees).ToString("P1", CultureInfo.InvariantCulture));
        console.Write(stops);

        if (report.Classification is { } levels)
        {
            var table = new Table().Title("Classification levels").AddColumn("Level").AddColumn(new TableColumn("True").RightAligned()).AddColumn(new TableColumn("Classified").RightAligned());
            foreach (var level in levels.Levels)
                table.AddRow(Markup.Escape(level.Name), level.TrueCount.ToString(CultureInfo.InvariantCulture), level.Classified.ToString(CultureInfo.InvariantCulture));
            console.Write(table);
        }
    }

    /// <summary>Writes the report as one indented JSON object.</summary>
    public void WriteJson(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("design", run.DesignPath);
            writer.WriteNumber("examinees", run.Examinees);
            writer.WriteNumber("seed", run.Seed);
            writer.WriteNumber("bank_size", bank.Count);
            writer.WriteNumber("items_available", report.ItemsAvailable);
            writer.WriteString("theta_distribution", run.ThetaDistribution.ToString());
            writer.WriteNumber("bias", report.Bias);
            writer.WriteNumber("rmse", report.Rmse);
            writer.WriteStartArray("bands");
            foreach (var band in report.Bands)
            {
                writer.WriteStartObject();
                SimulationOutput.WriteNullable(writer, "low", band.Low);
                SimulationOutput.WriteNullable(writer, "high", band.High);
                writer.WriteNumber("examinees", band.Examinees);
                SimulationOutput.WriteNullable(writer, "bias", band.Bias);
                SimulationOutput.WriteNullable(writer, "rmse", band.Rmse);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteNumber("mean_length", report.MeanLength);
            writer.WriteNumber("min_length", report.MinLength);
            writer.WriteNumber("max_length", report.MaxLength);
            SimulationOutput.WriteNullable(writer, "mean_se", double.IsFinite(report.MeanStandardError) ? report.MeanStandardError : null);
            writer.WriteStartObject("stop_rules");
            foreach (var (rule, count) in report.StopRules) writer.WriteNumber(rule, count);
            writer.WriteEndObject();
            writer.WriteNumber("max_exposure", report.MaxExposure);
            writer.WriteNumber("items_never_used", report.ItemsNeverUsed);
            writer.WriteNumber("mean_overlap", report.MeanOverlap);
            writer.WriteNumber("blueprint_violations", report.BlueprintViolations);
            writer.WriteNumber("enemy_violations", report.EnemyViolations);
            if (report.Classification is { } classification)
            {
                writer.WriteStartObject("classification");
                writer.WriteNumber("accuracy", classification.Accuracy);
                writer.WriteNumber("consistency", classification.Consistency);
                writer.WriteStartArray("levels");
                foreach (var level in classification.Levels)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", level.Name);
                    writer.WriteNumber("true", level.TrueCount);
                    writer.WriteNumber("classified", level.Classified);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteNull("classification");
            }
            writer.WriteStartArray("exposure");
            foreach (var rate in report.Exposure) writer.WriteNumberValue(rate);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        output.Write("\n"u8);
        output.Flush();
    }

    private static string Describe(ThetaBand band) => (band.Low, band.High) switch
    {
        (null, double high) => string.Create(CultureInfo.InvariantCulture, $"< {high}"),
        (double low, null) => string.Create(CultureInfo.InvariantCulture, $"≥ {low}"),
        (double low, double high) => string.Create(CultureInfo.InvariantCulture, $"[{low}, {high})"),
        _ => "all",
    };

    private static string Format(double? value) => value is double v ? v.ToString("0.0000", CultureInfo.InvariantCulture) : "–";
}
