using System.Text.Json;
using Engine.Simulation;
using ExamStore.Bank;
using ExamStore.Sessions;

namespace ExamStore.Designs;

/// <summary>
/// Activates a design version after the simulation QA gate: the version is composed on the subject's live bank and
/// run for simulated examinees (true θ from N(0, 1), fixed seed, so the report is reproducible), and the report is
/// stored with the version as it becomes the one new exams start on.
/// </summary>
public sealed class DesignActivation(ExamDesignStore designs, ItemBankCache banks, DesignActivationOptions options)
{
    /// <summary>Seed of the activation simulation.</summary>
    public const int Seed = 20261202;

    /// <summary>Simulates the version on the live bank, stores the report and activates the version; returns the report.</summary>
    public async Task<JsonElement> ActivateAsync(string designId, int version, CancellationToken cancellationToken)
    {
        var design = await designs.VersionAsync(designId, version, cancellationToken)
            ?? throw new ExamException(ExamErrorKind.NotFound, "Design version not found", $"Design '{designId}' has no version {version}.", "version");
        var snapshot = await DatabaseCalls.RunAsync(() => banks.GetAsync(design.Subject, cancellationToken))
            ?? throw new ExamException(ExamErrorKind.Conflict, "Item bank missing", $"Subject '{design.Subject}' has no item bank.", "id");
        var compiled = ExamEngine.CompileForStart(snapshot, design);
        var random = new Random(Seed);
        var thetas = Enumerable.Range(0, options.SimulationExaminees).Select(_ => Normal(random)).ToArray();
        var report = await Task.Run(() => DesignSimulation.Run(compiled, snapshot.BankAt(design.Definition.Scaling), thetas, Seed, cancellationToken), cancellationToken);
        var stored = JsonSerializer.SerializeToElement(new ActivationReport(
            options.SimulationExaminees, Seed, snapshot.Version, report.Bias, report.Rmse, report.Bands, report.MeanLength, report.MinLength, report.MaxLength,
            report.MeanStandardError, report.StopRules, report.MaxExposure, report.ItemsAvailable, report.ItemsNeverUsed, report.MeanOverlap,
            report.Classification, report.BlueprintViolations, report.EnemyViolations), DesignJson.Options);
        await designs.ActivateAsync(designId, version, stored.GetRawText(), cancellationToken);
        return stored;
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    // The design simulation's report without its per-examinee and per-item lists (kept small: it is stored with the version).
    private sealed record ActivationReport(int Examinees, int Seed, long BankVersion, double Bias, double Rmse, IReadOnlyList<ThetaBand> Bands,
        double MeanLength, int MinLength, int MaxLength, double MeanStandardError, IReadOnlyDictionary<string, int> StopRules, double MaxExposure,
        int ItemsAvailable, int ItemsNeverUsed, double MeanOverlap, ClassificationSummary? Classification, int BlueprintViolations, int EnemyViolations);
}

/// <summary>Settings of design activation (configuration <c>Exam:Designs</c>).</summary>
public sealed class DesignActivationOptions
{
    /// <summary>Simulated examinees per activation (default 1,000; each a whole simulated exam).</summary>
    public int SimulationExaminees { get; set; } = 1000;
}
