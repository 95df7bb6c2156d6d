using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Answers a request the framework could not bind (a query value that is not a number, a repeated parameter, an
/// unreadable body) with 400 ProblemDetails naming the parameter, instead of the 500 an unhandled exception gets.
/// </summary>
internal sealed partial class BadRequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest) return false;
        var problem = new ProblemDetails
        {
            Status = badRequest.StatusCode,
            Title = "Invalid request",
            Detail = badRequest.Message,
        };
        if (ParameterName().Match(badRequest.Message) is { Success: true } match) problem.Extensions["field"] = match.Groups["name"].Value;
        httpContext.Response.StatusCode = badRequest.StatusCode;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    // The binder's messages quote the parameter as "<type> <name>": 'Failed to bind parameter "Nullable<int> page" from "abc".'
    [GeneratedRegex("""parameter "(?:[^"]* )?(?<name>[A-Za-z_][A-Za-z0-9_]*)"[^"]*""")]
    private static partial Regex ParameterName();
}
