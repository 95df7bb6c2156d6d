using ExamApi.Extensions;
using ExamStore.Bank;
using ExamStore.Data;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ExamApi.Apis;

/// <summary>
/// Read-only reports on a subject's item bank under /api/items (admin key required): item exposure across the exams
/// that ended, and the bank as an <c>irt</c> bank file for the test designers' tools.
/// </summary>
internal static class BankReportsApi
{
    public static IEndpointRouteBuilder MapBankReportsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/items").WithTags("Items (admin)").RequireAdminKey()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        group.MapGet("/exposure", GetExposure).WithName("GetItemExposure")
            .WithSummary("Item exposure rates and mean test overlap over a subject's ended exams, most exposed first");
        group.MapGet("/export", ExportBank).WithName("ExportItemBank")
            .WithSummary("A subject's items as an irt bank file (a, b, c, d, topics, ids, scaling); retired items only on request");
        return app;
    }

    public static async Task<Results<Ok<ExposureReport>, ProblemHttpResult>> GetExposure(
        ItemExposure exposure, string? subject, int? top, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(subject)) return ExamProblems.Invalid("subject", "subject is required.");
        if (top is < 1) return ExamProblems.Invalid("top", "top must be 1 or more.");
        ExposureReport? report;
        try
        {
            report = await exposure.ReportAsync(subject, top, cancellationToken);
        }
        catch (Exception error) when (DatabaseFailures.IsUnavailable(error))
        {
            return ItemsApi.DatabaseUnavailable();
        }
        return report is null ? UnknownSubject(subject) : TypedResults.Ok(report);
    }

    public static async Task<Results<Ok<BankExport>, ProblemHttpResult>> ExportBank(
        ExamDbContext db, string? subject, bool? includeRetired, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(subject)) return ExamProblems.Invalid("subject", "subject is required.");
        BankExport? bank;
        try
        {
            bank = await BankExport.ReadAsync(db, subject, includeRetired ?? false, cancellationToken);
        }
        catch (Exception error) when (DatabaseFailures.IsUnavailable(error))
        {
            return ItemsApi.DatabaseUnavailable();
        }
        if (bank is null) return UnknownSubject(subject);
        // irt refuses a bank without items, so an empty file would only fail later and less clearly.
        if (bank.Ids.Length == 0)
            return ExamProblems.Invalid("subject", $"Every item of subject '{subject}' is retired; includeRetired=true exports them.");
        return TypedResults.Ok(bank);
    }

    private static ProblemHttpResult UnknownSubject(string subject) =>
        ExamProblems.Invalid("subject", $"Subject '{subject}' has no items.");
}
