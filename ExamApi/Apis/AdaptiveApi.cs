namespace ExamApi.Apis;

/// <summary>The student's exam endpoints under /api/adaptive.</summary>
internal static class AdaptiveApi
{
    public static IEndpointRouteBuilder MapAdaptiveApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/adaptive").WithTags("Adaptive exams");
        return app;
    }
}
