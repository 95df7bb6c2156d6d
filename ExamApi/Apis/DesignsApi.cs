using System.Text.Json;
using ExamApi.Extensions;
using ExamStore.Designs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ExamApi.Apis;

/// <summary>
/// Exam designs under /api/designs (admin key): how a subject's exams run, fixed by the test designer. Every change is a
/// new version; activating a version runs the simulation QA gate and stores its report; the subject's default design
/// is what an exam runs when the student's client names none.
/// </summary>
internal static class DesignsApi
{
    public static IEndpointRouteBuilder MapDesignsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/designs").WithTags("Exam designs (admin)").RequireAdminKey()
            .AddEndpointFilter(ExamProblems.MapExamErrors)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        group.MapPost("/", CreateDesign).Accepts<CreateDesignRequest>("application/json")
            .WithName("CreateDesign").WithSummary("Create a design with its first version (checked against the subject's bank; not active yet)");
        group.MapGet("/", ListDesigns).WithName("ListDesigns").WithSummary("Every design, of one subject when ?subject= is given, with its versions");
        group.MapGet("/{id}", GetDesign).WithName("GetDesign").WithSummary("A design with its versions, active version and whether it is the subject's default");
        group.MapPut("/{id}", AddVersion).Accepts<DesignVersionRequest>("application/json")
            .WithName("AddDesignVersion").WithSummary("Add a version (checked against the subject's bank); running exams keep theirs, new exams need it activated");
        group.MapGet("/{id}/versions/{version:int}", GetVersion)
            .WithName("GetDesignVersion").WithSummary("A version's definition and the simulation report it was activated with");
        group.MapPost("/{id}/versions/{version:int}/activate", ActivateVersion)
            .WithName("ActivateDesignVersion").WithSummary("Run the simulation QA gate on the live bank, store its report and make the version the one new exams start on");
        group.MapPost("/{id}/default", SetDefault)
            .WithName("SetDefaultDesign").WithSummary("Make the design its subject's default (exams that name no design run it)");
        return app;
    }

    public static async Task<Results<Created<DesignInfo>, ProblemHttpResult>> CreateDesign(HttpContext context, [AsParameters] DesignsServices services)
    {
        var (request, problem) = await JsonRequestBody.ReadAsync<CreateDesignRequest>(context.Request, services.Json, context.RequestAborted);
        if (problem is not null) return problem;
        if (request!.Id is null) return ExamProblems.Invalid("id", "id is required.");
        if (request.Subject is null) return ExamProblems.Invalid("subject", "subject is required.");
        if (request.Definition is not { } definition) return ExamProblems.Invalid("definition", "definition (the exam design) is required.");
        var created = await services.Designs.CreateAsync(request.Id, request.Subject, request.Name, DesignJson.Read(definition, "definition"), context.RequestAborted);
        return TypedResults.Created($"/api/designs/{created.Id}", created);
    }

    public static async Task<Ok<IReadOnlyList<DesignInfo>>> ListDesigns(string? subject, ExamDesignStore designs, CancellationToken cancellationToken) =>
        TypedResults.Ok(await designs.ListAsync(subject, cancellationToken));

    public static async Task<Results<Ok<DesignInfo>, ProblemHttpResult>> GetDesign(string id, ExamDesignStore designs, CancellationToken cancellationToken) =>
        await designs.GetAsync(id, cancellationToken) is { } design ? TypedResults.Ok(design) : DesignNotFound(id);

    public static async Task<Results<Ok<DesignInfo>, ProblemHttpResult>> AddVersion(HttpContext context, string id, [AsParameters] DesignsServices services)
    {
        var (request, problem) = await JsonRequestBody.ReadAsync<DesignVersionRequest>(context.Request, services.Json, context.RequestAborted);
        if (problem is not null) return problem;
        if (request!.Definition is not { } definition) return ExamProblems.Invalid("definition", "definition (the exam design) is required.");
        return TypedResults.Ok(await services.Designs.AddVersionAsync(id, DesignJson.Read(definition, "definition"), context.RequestAborted));
    }

    public static async Task<Results<Ok<DesignVersionInfo>, ProblemHttpResult>> GetVersion(string id, int version, ExamDesignStore designs, CancellationToken cancellationToken) =>
        await designs.GetVersionAsync(id, version, cancellationToken) is { } found ? TypedResults.Ok(found)
            : TypedResults.Problem($"Design '{id}' has no version {version}.", statusCode: StatusCodes.Status404NotFound, title: "Design version not found");

    public static async Task<Ok<DesignActivated>> ActivateVersion(string id, int version, DesignActivation activation, CancellationToken cancellationToken) =>
        TypedResults.Ok(new DesignActivated(id, version, await activation.ActivateAsync(id, version, cancellationToken)));

    public static async Task<Ok<DesignInfo>> SetDefault(string id, ExamDesignStore designs, CancellationToken cancellationToken)
    {
        await designs.SetDefaultAsync(id, cancellationToken);
        return TypedResults.Ok((await designs.GetAsync(id, cancellationToken))!);
    }

    private static ProblemHttpResult DesignNotFound(string id) =>
        TypedResults.Problem($"There is no exam design '{id}'.", statusCode: StatusCodes.Status404NotFound, title: "Design not found");
}

/// <summary>Body of <c>POST /api/designs</c>: the design's id, subject, optional name and its first version's definition.</summary>
internal sealed record CreateDesignRequest(string? Id, string? Subject, string? Name, JsonElement? Definition);

/// <summary>Body of <c>PUT /api/designs/{id}</c>: the new version's definition.</summary>
internal sealed record DesignVersionRequest(JsonElement? Definition);

/// <summary>An activated version and the simulation report it passed.</summary>
internal sealed record DesignActivated(string Id, int Version, JsonElement Simulation);

/// <summary>What the design endpoints need.</summary>
internal sealed record DesignsServices(ExamDesignStore Designs, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> JsonOptions)
{
    /// <summary>The API's JSON settings, used to read request bodies.</summary>
    public JsonSerializerOptions Json => JsonOptions.Value.SerializerOptions;
}
