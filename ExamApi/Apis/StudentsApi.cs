using ExamApi.Extensions;
using ExamApi.Students;
using ExamStore.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ExamApi.Apis;

/// <summary>
/// Students under /api/students, for administrators (<c>X-Api-Key</c>): the student tokens that let a student start
/// exams and practice sessions, and long-term proficiency (a student's own results come with each exam's summary).
/// </summary>
internal static class StudentsApi
{
    public static IEndpointRouteBuilder MapStudentsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/students").WithTags("Students");
        group.MapPost("/{studentId}/tokens", IssueToken)
            .Accepts<IssueStudentTokenRequest>("application/json")
            .RequireAdminKey()
            .WithName("IssueStudentToken").WithSummary("Issue a student token (Bearer credential to start exams and practice sessions; administrator key required)");
        group.MapGet("/{studentId}/proficiency", GetProficiency)
            .RequireAdminKey()
            .WithName("GetStudentProficiency").WithSummary("A student's proficiency per subject and topic (administrator key required)");
        return app;
    }

    public static async Task<Results<Ok<StudentTokenIssued>, ProblemHttpResult>> IssueToken(
        HttpContext context, string studentId, StudentTokens tokens, TimeProvider clock, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> jsonOptions)
    {
        if (string.IsNullOrWhiteSpace(studentId) || studentId.Length > StudentTokens.MaxStudentIdLength)
            return ExamProblems.Invalid("studentId", $"studentId must be 1 to {StudentTokens.MaxStudentIdLength} characters.");

        // The body is optional: without one the token gets the default lifetime.
        var lifetime = StudentTokens.DefaultLifetime;
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            var (request, problem) = await JsonRequestBody.ReadAsync<IssueStudentTokenRequest>(context.Request, jsonOptions.Value.SerializerOptions, context.RequestAborted);
            if (problem is not null) return problem;
            if (request!.LifetimeSeconds is { } seconds)
            {
                if (seconds < 1 || seconds > StudentTokens.MaxLifetime.TotalSeconds)
                    return ExamProblems.Invalid("lifetimeSeconds", $"lifetimeSeconds must be 1 to {StudentTokens.MaxLifetime.TotalSeconds:F0}.");
                lifetime = TimeSpan.FromSeconds(seconds);
            }
        }

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds((clock.GetUtcNow() + lifetime).ToUnixTimeSeconds());
        return TypedResults.Ok(new StudentTokenIssued(studentId, tokens.Issue(studentId, expiresAt), expiresAt));
    }

    public static async Task<Results<Ok<StudentProficiency>, ProblemHttpResult>> GetProficiency(HttpContext context, string studentId, [AsParameters] StudentsServices services)
    {
        if (string.IsNullOrWhiteSpace(studentId) || studentId.Length > 100) return ExamProblems.Invalid("studentId", "studentId must be 1 to 100 characters.");

        List<StudentProficiencyEntity> rows;
        try
        {
            rows = await services.Db.StudentProficiencies.AsNoTracking().Where(p => p.StudentId == studentId)
                .OrderBy(p => p.Subject).ThenBy(p => p.Topic).ToListAsync(context.RequestAborted);
        }
        catch (Exception error) when (DatabaseFailures.IsUnavailable(error))
        {
            return ItemsApi.DatabaseUnavailable();
        }

        // Topic "" is the subject as a whole; a subject row is written together with its topics.
        var subjects = rows.Where(p => p.Topic.Length == 0).Select(subject => new SubjectProficiency(
                subject.Subject, subject.Theta, subject.Se, subject.Sessions, subject.UpdatedAt,
                rows.Where(p => p.Subject == subject.Subject && p.Topic.Length > 0)
                    .ToDictionary(p => p.Topic, p => new TopicProficiency(p.Theta, p.Se, p.Sessions, p.UpdatedAt), StringComparer.Ordinal)))
            .ToList();
        return TypedResults.Ok(new StudentProficiency(studentId, subjects));
    }
}

/// <summary>Body of <c>POST /api/students/{studentId}/tokens</c> (optional).</summary>
/// <param name="LifetimeSeconds">How long the token is valid; default one hour, at most seven days.</param>
internal sealed record IssueStudentTokenRequest(int? LifetimeSeconds);

/// <summary>A student token: send it as <c>Authorization: Bearer</c> to start an exam or a practice session as <see cref="StudentId"/>.</summary>
internal sealed record StudentTokenIssued(string StudentId, string Token, DateTimeOffset ExpiresAt);

/// <summary>What the students endpoints need.</summary>
internal sealed record StudentsServices(ExamDbContext Db);
