using ExamApi.Extensions;
using ExamStore.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace ExamApi.Apis;

/// <summary>
/// Students' long-term proficiency under /api/students. Students have no credential beyond per-session tokens, so
/// anything keyed by a bare student id is for administrators (<c>X-Api-Key</c>); a student's own results come with
/// each exam's summary.
/// </summary>
internal static class StudentsApi
{
    public static IEndpointRouteBuilder MapStudentsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/students").WithTags("Students");
        group.MapGet("/{studentId}/proficiency", GetProficiency)
            .RequireAdminKey()
            .WithName("GetStudentProficiency").WithSummary("A student's proficiency per subject and topic (administrator key required)");
        return app;
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

/// <summary>What the students endpoints need.</summary>
internal sealed record StudentsServices(ExamDbContext Db);
