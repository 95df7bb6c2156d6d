using System.Text.Json;
using ExamApi.Extensions;
using ExamStore.Practice;
using ExamStore.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ExamApi.Apis;

/// <summary>
/// Practice sessions under /api/practice/sessions: personalised question sets in weak, current and revision sections.
/// Creating one needs the student's credential (<see cref="StudentCredentials"/>) and returns the session's token; every
/// other call needs that token (<c>Authorization: Bearer</c>), as an exam's calls do.
/// </summary>
internal static class PracticeApi
{
    public static IEndpointRouteBuilder MapPracticeApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/practice/sessions").WithTags("Practice").AddEndpointFilter(ExamProblems.MapExamErrors);

        group.MapPost("/", StartPractice)
            .Accepts<StartPracticeRequest>("application/json")
            .RequireStudentCredential().RequireStartRateLimits()
            .WithName("StartPractice").WithSummary("Generate a practice session (the student's credential required; weak, current and revision sections); returns its questions and token");
        group.MapGet("/{sessionId}", GetPractice)
            .RequireSessionToken(IssuedBy)
            .WithName("GetPractice").WithSummary("A practice session: its sections, questions and answers so far");
        group.MapPost("/{sessionId}/answers", AnswerPractice)
            .RequireSessionToken(IssuedBy)
            .Accepts<PracticeAnswerRequest>("application/json")
            .WithName("AnswerPractice").WithSummary("Answer a question of the session; scored and stored (idempotent per question)");
        group.MapPost("/{sessionId}/complete", CompletePractice)
            .RequireSessionToken(IssuedBy)
            .WithName("CompletePractice").WithSummary("Complete the session; returns accuracy per section and topic θ before and after");
        return app;
    }

    public static async Task<Results<Created<PracticeSessionCreated>, ProblemHttpResult>> StartPractice(HttpContext context, [AsParameters] PracticeServices services)
    {
        var (request, problem) = await JsonRequestBody.ReadAsync<StartPracticeRequest>(context.Request, services.Json, context.RequestAborted);
        if (problem is not null) return problem;
        if (request!.StudentId is null) return ExamProblems.Invalid("studentId", "studentId is required.");
        if (request.Subject is null) return ExamProblems.Invalid("subject", "subject is required.");
        var mix = request.Mix is { } m ? new PracticeMix(m.Weak ?? 0, m.Current ?? 0, m.Revision ?? 0) : null;

        var created = await services.Generator.GenerateAsync(new PracticeRequest(request.StudentId, request.Subject, request.Size, mix, request.Seed), context.RequestAborted);
        return TypedResults.Created($"/api/practice/sessions/{created.SessionId}", created);
    }

    public static async Task<Results<Ok<PracticeSessionView>, ProblemHttpResult>> GetPractice(HttpContext context, string sessionId, [AsParameters] PracticeServices services)
    {
        var id = Guid.Parse(sessionId);
        var view = await services.Answering.ViewAsync(id, context.RequestAborted);
        return view is null
            ? TypedResults.Problem("No such practice session.", statusCode: StatusCodes.Status404NotFound, title: "Session not found")
            : TypedResults.Ok(view);
    }

    public static async Task<Results<Ok<PracticeAnswerResult>, ProblemHttpResult>> AnswerPractice(HttpContext context, string sessionId, [AsParameters] PracticeServices services)
    {
        var id = Guid.Parse(sessionId);
        var (request, problem) = await JsonRequestBody.ReadAsync<PracticeAnswerRequest>(context.Request, services.Json, context.RequestAborted);
        if (problem is not null) return problem;
        if (request!.ItemId is not { } itemId || itemId <= 0) return ExamProblems.Invalid("itemId", "itemId is required (a positive item id).");
        if (request.Response is not { } response || response < 0) return ExamProblems.Invalid("response", "response is required (the chosen option index, from 0).");
        return TypedResults.Ok(await services.Answering.AnswerAsync(id, itemId, response, context.RequestAborted));
    }

    public static async Task<Results<Ok<PracticeSummary>, ProblemHttpResult>> CompletePractice(HttpContext context, string sessionId, [AsParameters] PracticeServices services)
    {
        var id = Guid.Parse(sessionId);
        return TypedResults.Ok(await services.Completion.CompleteAsync(id, context.RequestAborted));
    }

    private const string IssuedBy = "POST /api/practice/sessions";
}

/// <summary>What the practice endpoints need.</summary>
internal sealed record PracticeServices(
    PracticeGenerator Generator, PracticeAnswering Answering, PracticeCompletion Completion, SessionTokens Tokens,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> JsonOptions)
{
    /// <summary>The API's JSON settings (camelCase, strict numbers), used to read request bodies.</summary>
    public JsonSerializerOptions Json => JsonOptions.Value.SerializerOptions;
}
