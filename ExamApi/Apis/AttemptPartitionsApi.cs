using ExamApi.Extensions;
using ExamStore.Data;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ExamApi.Apis;

/// <summary>A partition of attempts as the admin API shows it.</summary>
public sealed record AttemptPartitionView(
    string Name, Guid? From, Guid To, DateTime? FromTime, DateTime ToTime, long? EstimatedRows, long ActiveSessions, bool AllSessionsEnded, bool DetachPending)
{
    internal static AttemptPartitionView Of(AttemptPartition p) =>
        new(p.Name, p.From, p.To, p.FromTime, p.ToTime, p.EstimatedRows, p.ActiveSessions, p.AllSessionsEnded, p.DetachPending);
}

/// <summary>
/// The monthly partitions of the attempts table (admin key required): list them, and detach a past month whose exams
/// have all ended so it can be archived (ADMIN.md, "Attempt partitions").
/// </summary>
internal static class AttemptPartitionsApi
{
    public static IEndpointRouteBuilder MapAttemptPartitionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/attempts/partitions").WithTags("Attempt partitions (admin)").RequireAdminKey()
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        group.MapGet("/", ListPartitions).WithName("ListAttemptPartitions")
            .WithSummary("The monthly partitions of attempts, oldest first: session id range and times, row estimate, active sessions");
        group.MapPost("/{name}/detach", DetachPartition).WithName("DetachAttemptPartition")
            .WithSummary("Detach a past month whose sessions have all ended; the table stays for archiving (pg_dump, then drop)");
        return app;
    }

    public static async Task<Results<Ok<AttemptPartitionView[]>, ProblemHttpResult>> ListPartitions(AttemptPartitions partitions, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok((await partitions.ListAsync(cancellationToken)).Select(AttemptPartitionView.Of).ToArray());
        }
        catch (Exception error) when (DatabaseFailures.IsUnavailable(error))
        {
            return ItemsApi.DatabaseUnavailable();
        }
    }

    public static async Task<Results<Ok<AttemptPartitionView>, ProblemHttpResult>> DetachPartition(
        string name, AttemptPartitions partitions, CancellationToken cancellationToken)
    {
        if (!AttemptPartitions.IsWellFormedName(name))
            return ExamProblems.Invalid("name", "name must be a partition of attempts: 'attempts_' and lower-case letters, digits or '_'.");
        (DetachOutcome Outcome, AttemptPartition? Partition) result;
        try
        {
            result = await partitions.DetachAsync(name, cancellationToken);
        }
        catch (Exception error) when (DatabaseFailures.IsUnavailable(error))
        {
            return ItemsApi.DatabaseUnavailable();
        }
        return result switch
        {
            (DetachOutcome.Detached, { } detached) => TypedResults.Ok(AttemptPartitionView.Of(detached)),
            (DetachOutcome.NotFound, _) => Refused(StatusCodes.Status404NotFound, "Unknown partition", $"attempts has no partition '{name}'."),
            (DetachOutcome.NotPast, { } partition) => Refused(StatusCodes.Status409Conflict, "Partition not past",
                $"'{name}' holds sessions started until {partition.ToTime:O}; only a month that ended at least {AttemptPartitions.DetachGrace.TotalHours:0} hours ago can be detached (new exams still land in the current and later months)."),
            (DetachOutcome.ActiveSessions, { } partition) => Refused(StatusCodes.Status409Conflict, "Partition has active sessions",
                $"'{name}' holds {partition.ActiveSessions} active session(s), whose answers would have no partition; detach it once they have ended (completed, or abandoned by the cleanup sweep)."),
            (DetachOutcome.DetachedMeanwhile, _) => Refused(StatusCodes.Status409Conflict, "Partition detached meanwhile",
                $"Another request detached '{name}' at the same time (or still is); list the partitions to see where it stands."),
            _ => throw new InvalidOperationException($"Unexpected detach outcome {result.Outcome}."),
        };
    }

    private static ProblemHttpResult Refused(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["field"] = "name" });
}
