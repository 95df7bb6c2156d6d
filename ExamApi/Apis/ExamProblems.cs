using ExamStore.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ExamApi.Apis;

/// <summary>Turns exam errors into ProblemDetails responses that name the problem (and the field, when there is one).</summary>
internal static class ExamProblems
{
    public static ProblemHttpResult From(ExamException error)
    {
        var status = error.Kind switch
        {
            ExamErrorKind.Invalid => StatusCodes.Status400BadRequest,
            ExamErrorKind.NotFound => StatusCodes.Status404NotFound,
            ExamErrorKind.Conflict => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status503ServiceUnavailable,
        };
        var extensions = new Dictionary<string, object?>();
        if (error.Field is not null) extensions["field"] = error.Field;
        if (error.Errors is not null) extensions["errors"] = error.Errors;
        return TypedResults.Problem(error.Message, statusCode: status, title: error.Title, extensions: extensions);
    }

    /// <summary>A 400 naming the field.</summary>
    public static ProblemHttpResult Invalid(string field, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: $"Invalid {field}", extensions: new Dictionary<string, object?> { ["field"] = field });

    /// <summary>Endpoint filter that answers an <see cref="ExamException"/> with its ProblemDetails.</summary>
    public static async ValueTask<object?> MapExamErrors(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (ExamException error)
        {
            return From(error);
        }
    }
}
