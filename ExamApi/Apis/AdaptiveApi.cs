using System.Diagnostics;
using System.Text.Json;
using ExamApi.Extensions;
using ExamApi.Telemetry;
using ExamStore.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ExamApi.Apis;

/// <summary>
/// The student's exam endpoints under /api/adaptive: start needs the student's credential (<see cref="StudentCredentials"/>),
/// every call after it the session's token.
/// </summary>
internal static class AdaptiveApi
{
    public static IEndpointRouteBuilder MapAdaptiveApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/adaptive").WithTags("Adaptive exams").AddEndpointFilter(ExamProblems.MapExamErrors);

        group.MapPost("/start", StartExam)
            .Accepts<StartExamRequest>("application/json")
            .RequireStudentCredential().RequireStartRateLimits()
            .WithName("StartExam").WithSummary("Start an adaptive exam (the student's credential required); returns the session token and the first item");
        group.MapPost("/answer", AnswerItem)
            .Accepts<AnswerRequest>("application/json")
            .RequireAnswerRateLimit()
            .WithName("AnswerItem").WithSummary("Answer the current item; returns the new θ/SE and the next item (idempotent)");
        group.MapGet("/next", GetCurrentItem)
            .RequireSessionToken()
            .WithName("GetCurrentItem").WithSummary("The item waiting for an answer (repeatable)");
        group.MapPost("/complete", CompleteExam)
            .Accepts<CompleteExamRequest>("application/json")
            .WithName("CompleteExam").WithSummary("Complete the exam; returns its summary");
        group.MapGet("/{sessionId}", GetStatus)
            .RequireSessionToken()
            .WithName("GetExamStatus").WithSummary("Where the exam stands: state, θ, SE, answered, TTL and last activity");
        group.MapMethods("/{sessionId}", [HttpMethods.Head], SessionExists)
            .RequireSessionToken()
            .WithName("ExamExists").WithSummary("200 when the session exists, 404 when not (no body)");
        group.MapGet("/{sessionId}/ttl", GetTimeToLive)
            .RequireSessionToken()
            .WithName("GetExamTtl").WithSummary("Seconds until an active exam's session state expires unless it is answered or extended");
        group.MapGet("/{sessionId}/summary", GetSummary)
            .RequireSessionToken()
            .WithName("GetExamSummary").WithSummary("θ, SE, items answered and the classification so far, without completing the exam");
        group.MapPost("/{sessionId}/extend", ExtendSession)
            .RequireSessionToken()
            .Accepts<ExtendSessionRequest>("application/json")
            .WithName("ExtendSession").WithSummary("Set the session's time to live (seconds)");
        group.MapGet("/{sessionId}/history", GetHistory)
            .RequireSessionToken(administratorMayRead: true)
            .WithName("GetExamHistory").WithSummary("Every step of a completed exam (token holder), or of any exam (administrator)");
        return app;
    }

    public static async Task<Results<Created<ExamStarted>, ProblemHttpResult>> StartExam(HttpContext context, [AsParameters] AdaptiveServices services)
    {
        var (request, problem) = await JsonRequestBody.ReadAsync<StartExamRequest>(context.Request, services.Json, context.RequestAborted);
        if (problem is not null) return problem;
        if (request!.OtherFields is { Count: > 0 } other)
        {
            var field = other.Keys.Order(StringComparer.Ordinal).First();
            return ExamProblems.Invalid(field, $"'{field}' is not accepted: the exam design (designId) decides how the exam runs; the request names only studentId and designId (or subject, for its default design).");
        }
        if (request.StudentId is null) return ExamProblems.Invalid("studentId", "studentId is required.");
        if (request.DesignId is null && request.Subject is null) return ExamProblems.Invalid("designId", "designId (or subject, for the subject's default design) is required.");

        var started = await services.Exams.StartAsync(new ExamRequest(request.StudentId, request.DesignId, request.Subject), context.RequestAborted);
        return TypedResults.Created($"/api/adaptive/{started.SessionId}", started);
    }

    public static async Task<Results<Ok<AnswerRecorded>, ProblemHttpResult>> AnswerItem(HttpContext context, [AsParameters] AdaptiveServices services)
    {
        var (request, problem) = await JsonRequestBody.ReadAsync<AnswerRequest>(context.Request, services.Json, context.RequestAborted);
        if (problem is not null) return problem;
        if (SessionCredentials.ParseSessionId(request!.SessionId) is not { } sessionId) return SessionCredentials.InvalidSessionId();
        if (!SessionCredentials.HoldsToken(context.Request, services.Exams, sessionId)) return SessionCredentials.TokenRequired(context);
        if (request.ItemId is not { } itemId || itemId <= 0) return ExamProblems.Invalid("itemId", "itemId is required (a positive item id).");
        if (request.Response is not { } response || response < 0) return ExamProblems.Invalid("response", "response is required (the chosen option index, from 0).");

        var began = Stopwatch.GetTimestamp();
        var outcome = "failed";
        try
        {
            var recorded = await services.Exams.AnswerAsync(sessionId, itemId, response, context.RequestAborted);
            outcome = "recorded";
            return TypedResults.Ok(recorded);
        }
        catch (ExamException error)
        {
            outcome = error.Kind == ExamErrorKind.Unavailable ? "unavailable" : "rejected";
            throw;
        }
        finally
        {
            services.Metrics.AnswerProcessed(outcome, Stopwatch.GetElapsedTime(began));
        }
    }

    public static async Task<Results<Ok<QuestionView>, ProblemHttpResult>> GetCurrentItem(HttpContext context, string? sessionId, [AsParameters] AdaptiveServices services)
    {
        var id = Guid.Parse(sessionId!);
        var item = await services.Exams.CurrentItemAsync(id, context.RequestAborted);
        return item is null
            ? TypedResults.Problem("The exam is over (or does not exist): no item is waiting for an answer.", statusCode: StatusCodes.Status404NotFound, title: "No current item")
            : TypedResults.Ok(item);
    }

    public static async Task<Results<Ok<ExamSummary>, ProblemHttpResult>> CompleteExam(HttpContext context, [AsParameters] AdaptiveServices services)
    {
        var (request, problem) = await JsonRequestBody.ReadAsync<CompleteExamRequest>(context.Request, services.Json, context.RequestAborted);
        if (problem is not null) return problem;
        if (SessionCredentials.ParseSessionId(request!.SessionId) is not { } sessionId) return SessionCredentials.InvalidSessionId();
        if (!SessionCredentials.HoldsToken(context.Request, services.Exams, sessionId)) return SessionCredentials.TokenRequired(context);
        return TypedResults.Ok(await services.Exams.CompleteAsync(sessionId, context.RequestAborted));
    }

    public static async Task<Results<Ok<ExamStatus>, ProblemHttpResult>> GetStatus(HttpContext context, string sessionId, [AsParameters] AdaptiveServices services)
    {
        var id = Guid.Parse(sessionId!);
        var status = await services.Exams.StatusAsync(id, context.RequestAborted);
        return status is null ? SessionNotFound() : TypedResults.Ok(status);
    }

    public static async Task<Results<Ok<SessionExtended>, ProblemHttpResult>> ExtendSession(HttpContext context, string sessionId, [AsParameters] AdaptiveServices services)
    {
        var id = Guid.Parse(sessionId!);
        var (request, problem) = await JsonRequestBody.ReadAsync<ExtendSessionRequest>(context.Request, services.Json, context.RequestAborted);
        if (problem is not null) return problem;
        if (request!.Seconds is not { } seconds) return ExamProblems.Invalid("seconds", "seconds is required.");
        return TypedResults.Ok(new SessionExtended(await services.Exams.ExtendAsync(id, seconds, context.RequestAborted)));
    }

    public static async Task<Results<Ok<ExamHistory>, ProblemHttpResult>> GetHistory(HttpContext context, string sessionId, [AsParameters] AdaptiveServices services)
    {
        var id = Guid.Parse(sessionId);
        var administrator = services.AdminKey.IsPresentedBy(context.Request);

        var summary = await services.Records.SummaryAsync(id, context.RequestAborted);
        if (summary is null) return SessionNotFound();
        // The history reveals which responses were correct, so a student sees it only once the exam can no longer change.
        if (!administrator && summary.State == ExamStore.Data.SessionStatus.Active)
            return TypedResults.Problem("The history is available once the exam is completed.", statusCode: StatusCodes.Status409Conflict, title: "Exam not completed",
                extensions: new Dictionary<string, object?> { ["field"] = "sessionId" });
        var steps = await services.Records.HistoryAsync(id, context.RequestAborted);
        return TypedResults.Ok(new ExamHistory(id, summary.State, summary.StopReason, summary.Classification, steps));
    }

    public static async Task<Results<Ok, ProblemHttpResult>> SessionExists(HttpContext context, string sessionId, [AsParameters] AdaptiveServices services)
    {
        var id = Guid.Parse(sessionId!);
        return await services.Records.ExistsAsync(id, context.RequestAborted) ? TypedResults.Ok() : SessionNotFound();
    }

    public static async Task<Results<Ok<SessionTimeToLive>, ProblemHttpResult>> GetTimeToLive(HttpContext context, string sessionId, [AsParameters] AdaptiveServices services)
    {
        var id = Guid.Parse(sessionId!);
        return await services.Exams.TimeToLiveAsync(id, context.RequestAborted) is { } ttl
            ? TypedResults.Ok(new SessionTimeToLive(id, ttl))
            : TypedResults.Problem("The exam is not active (or does not exist): only an active exam has a time to live.", statusCode: StatusCodes.Status404NotFound, title: "No active exam");
    }

    public static async Task<Results<Ok<ExamSummary>, ProblemHttpResult>> GetSummary(HttpContext context, string sessionId, [AsParameters] AdaptiveServices services)
    {
        var id = Guid.Parse(sessionId!);
        return await services.Exams.ProgressAsync(id, context.RequestAborted) is { } summary ? TypedResults.Ok(summary) : SessionNotFound();
    }

    private static ProblemHttpResult SessionNotFound() =>
        TypedResults.Problem("No such session.", statusCode: StatusCodes.Status404NotFound, title: "Session not found");
}

/// <summary>What the exam endpoints need, bundled so handlers stay small and static.</summary>
internal sealed record AdaptiveServices(ExamSessionService Exams, ExamRecords Records, ExamMetrics Metrics, AdminKey AdminKey, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> JsonOptions)
{
    /// <summary>The API's JSON settings (camelCase, strict numbers), used to read request bodies.</summary>
    public JsonSerializerOptions Json => JsonOptions.Value.SerializerOptions;
}
