using System.Collections;

namespace ExamApi.Apis;

/// <summary>
/// Development-only diagnostics. <c>GET /_diagnostics/environment</c> returns the process environment so the whole-graph
/// tests can check what the AppHost passed; it exposes secrets, so it exists only in Development and only when
/// <c>ExamApi:ExposeEnvironment</c> is true (the test host sets it).
/// </summary>
internal static class DiagnosticsApi
{
    public const string ExposeEnvironmentKey = "ExamApi:ExposeEnvironment";

    public static WebApplication MapDiagnosticsApi(this WebApplication app)
    {
        if (app.Environment.IsDevelopment() && app.Configuration.GetValue<bool>(ExposeEnvironmentKey))
        {
            app.MapGet("/_diagnostics/environment", GetEnvironment);
        }

        return app;
    }

    private static IResult GetEnvironment() =>
        TypedResults.Ok(Environment.GetEnvironmentVariables()
            .Cast<DictionaryEntry>()
            .ToDictionary(entry => (string)entry.Key, entry => (string?)entry.Value, StringComparer.Ordinal));
}
