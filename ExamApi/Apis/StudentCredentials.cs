using ExamApi.Extensions;
using ExamApi.Students;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ExamApi.Apis;

/// <summary>The student a start request's credential proves; null when it presented none or an invalid one.</summary>
/// <param name="StudentId">The authenticated student.</param>
/// <param name="Presented">True when the request carried a bearer credential at all.</param>
internal sealed record AuthenticatedStudent(string? StudentId, bool Presented);

/// <summary>Endpoint metadata: starting here needs a credential for the body's <c>studentId</c>.</summary>
internal sealed class StudentCredentialRequired;

/// <summary>
/// Who may start an exam or a practice session: the holder of a credential for the <c>studentId</c> in the body, sent as
/// <c>Authorization: Bearer</c> — a student token (<c>POST /api/students/{studentId}/tokens</c>, administrator) or an
/// LMS launch token. The credential is verified by middleware ahead of the rate limiter, which limits starts per
/// authenticated student; <see cref="StudentCredentialFilter"/> then refuses what it does not allow.
/// </summary>
internal static class StudentCredentials
{
    /// <summary>Requires a student credential on the endpoints of this builder.</summary>
    public static TBuilder RequireStudentCredential<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new StudentCredentialRequired());
        builder.AddEndpointFilter<TBuilder, StudentCredentialFilter>();
        return builder;
    }

    /// <summary>
    /// Verifies the bearer credential of requests to endpoints that require one and records the result as the request's
    /// <see cref="AuthenticatedStudent"/> feature. Refuses nothing itself. Must come before the rate limiter.
    /// </summary>
    public static IApplicationBuilder UseStudentCredentials(this IApplicationBuilder app)
    {
        var authenticator = app.ApplicationServices.GetRequiredService<StudentAuthenticator>();
        return app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<StudentCredentialRequired>() is not null)
            {
                var credential = SessionCredentials.BearerToken(context.Request);
                var studentId = string.IsNullOrEmpty(credential) ? null : await authenticator.StudentOfAsync(credential);
                context.Features.Set(new AuthenticatedStudent(studentId, credential is not null));
            }

            await next(context);
        });
    }
}

/// <summary>
/// Refuses a start without a valid credential (401, <c>WWW-Authenticate: Bearer</c>) or with one for another student than
/// the body's <c>studentId</c> (403 naming <c>studentId</c>). Reads the body's <c>studentId</c> from a buffered copy, so
/// the handler reads the body as usual; a body it cannot read gets the handler's own 400.
/// </summary>
internal sealed class StudentCredentialFilter(StudentCredentialSettings settings, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> jsonOptions) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (settings.OpenStart) return await next(context);

        var http = context.HttpContext;
        var student = http.Features.Get<AuthenticatedStudent>();
        if (student?.StudentId is not { } studentId) return CredentialRequired(http, student?.Presented == true);

        // Larger than any body the endpoints accept, so the copy stays in memory.
        http.Request.EnableBuffering(bufferThreshold: 2 * JsonRequestBody.MaxBytes);
        var (body, problem) = await JsonRequestBody.ReadAsync<StudentIdField>(http.Request, jsonOptions.Value.SerializerOptions, http.RequestAborted);
        if (problem is not null) return problem;
        http.Request.Body.Position = 0;

        // A studentId that is no student id at all ("", too long) is the handler's 400, not a question of whose it is.
        if (body!.StudentId is { } claimed && !string.IsNullOrWhiteSpace(claimed) && claimed.Length <= StudentTokens.MaxStudentIdLength
            && !string.Equals(claimed, studentId, StringComparison.Ordinal))
        {
            return TypedResults.Problem("The credential was issued for another student than studentId.", statusCode: StatusCodes.Status403Forbidden,
                title: "Credential for another student", extensions: new Dictionary<string, object?> { ["field"] = "studentId" });
        }

        return await next(context);
    }

    private static ProblemHttpResult CredentialRequired(HttpContext context, bool presented)
    {
        // RFC 6750: a credential that was sent and refused is an invalid_token; none at all gets the bare challenge.
        context.Response.Headers.WWWAuthenticate = presented ? "Bearer error=\"invalid_token\"" : "Bearer";
        return TypedResults.Problem(
            "Starting needs the student's credential as Authorization: Bearer <token>: a student token (POST /api/students/{studentId}/tokens) " +
            "or an LMS launch token. This one is missing, malformed, expired or not signed by a known issuer.",
            statusCode: StatusCodes.Status401Unauthorized, title: "Student credential required");
    }

    // Only the field this filter compares; the handler reads (and validates) the rest.
    private sealed record StudentIdField(string? StudentId);
}
