using System.Text.Json;
using ExamApi.Extensions;
using ExamStore.Bank;
using ExamStore.Data;
using ExamStore.HotState;
using ExamStore.Practice;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ExamApi.Apis;

/// <summary>
/// The admin item endpoints under /api/items (admin key required). Every change commits together with a bump of the
/// subject's bank version, then tells every API instance over pub/sub and drops the changed questions from the Redis
/// cache. Items are never deleted: retiring keeps the row so that finished exams stay replayable.
/// </summary>
internal static class ItemsApi
{
    /// <summary>Largest page size of the item list.</summary>
    public const int MaxPageSize = 500;

    public static IEndpointRouteBuilder MapItemsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/items").WithTags("Items (admin)").RequireAdminKey()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        group.MapPost("/", CreateItem).WithName("CreateItem").WithSummary("Create an item")
            .Accepts<ItemInput>("application/json");
        group.MapPost("/import", ImportItems).WithName("ImportItems")
            .WithSummary("Create many items at once (JSON array); all or nothing")
            .Accepts<ItemInput[]>("application/json");
        group.MapGet("/", ListItems).WithName("ListItems").WithSummary("List items with filters (subject, topic, status) and paging");
        group.MapGet("/{id:long}", GetItem).WithName("GetItem").WithSummary("Get one item, answer key included");
        group.MapPut("/{id:long}", UpdateItem).WithName("UpdateItem")
            .WithSummary("Replace an item's fields; scoring fields of an answered item cannot change")
            .Accepts<ItemInput>("application/json");
        group.MapPost("/{id:long}/retire", RetireItem).WithName("RetireItem")
            .WithSummary("Retire an item: never served again, kept for replay of past exams");
        return app;
    }

    public static async Task<Results<Created<ItemView>, ProblemHttpResult>> CreateItem(HttpRequest request, [AsParameters] ItemServices services, CancellationToken cancellationToken)
    {
        var (input, bodyError) = await ReadBodyAsync<ItemInput>(request, services.Json.Value.SerializerOptions, cancellationToken);
        if (bodyError is not null) return bodyError;
        var (item, error) = ItemRules.Validate(input);
        if (error is not null) return Invalid(error);

        var now = services.Clock.GetUtcNow().UtcDateTime;
        var entity = ToEntity(item!, now);
        var outcome = await services.WriteAsync([item!.Subject], async () =>
        {
            services.Db.Items.Add(entity);
            await services.Db.SaveChangesAsync(cancellationToken);
            return [entity.Id];
        }, cancellationToken);
        if (outcome is not null) return outcome;
        return TypedResults.Created($"/api/items/{entity.Id}", ItemView.From(entity));
    }

    public static async Task<Results<Ok<ItemImportResult>, ProblemHttpResult>> ImportItems(HttpRequest request, [AsParameters] ItemServices services, CancellationToken cancellationToken)
    {
        var (inputs, bodyError) = await ReadBodyAsync<ItemInput?[]>(request, services.Json.Value.SerializerOptions, cancellationToken);
        if (bodyError is not null) return bodyError;
        if (inputs is null || inputs.Length == 0 || inputs.Length > ItemRules.MaxImport)
            return Invalid(new ItemFieldError(null, "items", $"The body must be a JSON array of 1 to {ItemRules.MaxImport} items."));

        var errors = new List<ItemFieldError>();
        var items = new List<ValidItem>(inputs.Length);
        for (var index = 0; index < inputs.Length; index++)
        {
            var (item, error) = ItemRules.Validate(inputs[index], index);
            if (error is not null) errors.Add(error);
            else items.Add(item!);
        }
        if (errors.Count > 0)
        {
            var first = errors[0];
            return TypedResults.Problem(
                $"{errors.Count} of {inputs.Length} items are invalid; nothing was imported. First: {first.Field}: {first.Message}",
                statusCode: StatusCodes.Status400BadRequest,
                title: $"Invalid {first.Field}",
                extensions: new Dictionary<string, object?> { ["field"] = first.Field, ["errors"] = errors });
        }

        var now = services.Clock.GetUtcNow().UtcDateTime;
        var entities = items.Select(item => ToEntity(item, now)).ToList();
        var outcome = await services.WriteAsync(items.Select(i => i.Subject), async () =>
        {
            services.Db.Items.AddRange(entities);
            await services.Db.SaveChangesAsync(cancellationToken);
            return entities.Select(e => e.Id).ToArray();
        }, cancellationToken);
        if (outcome is not null) return outcome;
        return TypedResults.Ok(new ItemImportResult(entities.Count, entities.Select(ItemView.From).ToArray()));
    }

    public static async Task<Results<Ok<ItemPage>, ProblemHttpResult>> ListItems(
        [AsParameters] ItemServices services, string? subject, string? topic, string? status, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var pageNumber = page ?? 1;
        var size = pageSize ?? 50;
        if (pageNumber < 1) return Invalid(new ItemFieldError(null, "page", "page must be 1 or more."));
        if (size is < 1 or > MaxPageSize) return Invalid(new ItemFieldError(null, "pageSize", $"pageSize must be between 1 and {MaxPageSize}."));
        if (status is not (null or ItemStatus.Active or ItemStatus.Retired))
            return Invalid(new ItemFieldError(null, "status", "status must be \"active\" or \"retired\"."));

        var query = services.Db.Items.AsNoTracking();
        if (subject is not null) query = query.Where(i => i.Subject == subject);
        if (topic is not null) query = query.Where(i => i.Topic == topic);
        if (status is not null) query = query.Where(i => i.Status == status);
        try
        {
            var total = await query.CountAsync(cancellationToken);
            var items = await query.OrderBy(i => i.Id).Skip((pageNumber - 1) * size).Take(size).ToListAsync(cancellationToken);
            return TypedResults.Ok(new ItemPage(items.Select(ItemView.From).ToArray(), pageNumber, size, total));
        }
        catch (Exception error) when (DatabaseFailures.IsUnavailable(error))
        {
            return DatabaseUnavailable();
        }
    }

    public static async Task<Results<Ok<ItemView>, ProblemHttpResult>> GetItem(long id, [AsParameters] ItemServices services, CancellationToken cancellationToken)
    {
        try
        {
            var item = await services.Db.Items.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, cancellationToken);
            return item is null ? NotFound(id) : TypedResults.Ok(ItemView.From(item));
        }
        catch (Exception error) when (DatabaseFailures.IsUnavailable(error))
        {
            return DatabaseUnavailable();
        }
    }

    public static async Task<Results<Ok<ItemView>, ProblemHttpResult>> UpdateItem(long id, HttpRequest request, [AsParameters] ItemServices services, CancellationToken cancellationToken)
    {
        var (input, bodyError) = await ReadBodyAsync<ItemInput>(request, services.Json.Value.SerializerOptions, cancellationToken);
        if (bodyError is not null) return bodyError;
        var (item, error) = ItemRules.Validate(input);
        if (error is not null) return Invalid(error);

        ItemEntity? entity = null;
        ProblemHttpResult? refusal = null;
        var outcome = await services.WriteAsync([item!.Subject], async () =>
        {
            entity = await services.Db.Items.FromSqlInterpolated($"SELECT * FROM items WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);
            if (entity is null)
            {
                refusal = NotFound(id);
                return null;
            }
            if (entity.Subject != item.Subject)
            {
                refusal = Invalid(new ItemFieldError(null, "subject", "An item's subject cannot change; retire it and create a new item in the other subject."));
                return null;
            }
            if (ScoringChange(entity, item) is { } field && await services.Db.Attempts.AnyAsync(a => a.ItemId == id, cancellationToken))
            {
                // Replaying an exam (recovery, audit) recomputes θ from the current parameters: they must not move
                // under recorded answers.
                refusal = TypedResults.Problem(
                    $"Item {id} has recorded answers, so {field} cannot change (past and running exams replay with it). Retire it and create a new item.",
                    statusCode: StatusCodes.Status409Conflict, title: "Item in use",
                    extensions: new Dictionary<string, object?> { ["field"] = field });
                return null;
            }
            entity.Topic = item.Topic;
            entity.Content = item.Content;
            entity.Options = item.Options;
            entity.AnswerKey = item.AnswerKey;
            (entity.A, entity.B, entity.C, entity.D) = (item.A, item.B, item.C, item.D);
            entity.Status = item.Status;
            entity.UpdatedAt = services.Clock.GetUtcNow().UtcDateTime;
            await services.Db.SaveChangesAsync(cancellationToken);
            return [id];
        }, cancellationToken);
        if ((outcome ?? refusal) is { } problem) return problem;
        return TypedResults.Ok(ItemView.From(entity!));
    }

    public static async Task<Results<Ok<ItemView>, ProblemHttpResult>> RetireItem(long id, [AsParameters] ItemServices services, CancellationToken cancellationToken)
    {
        ItemEntity? entity;
        try
        {
            entity = await services.Db.Items.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, cancellationToken);
        }
        catch (Exception error) when (DatabaseFailures.IsUnavailable(error))
        {
            return DatabaseUnavailable();
        }
        if (entity is null) return NotFound(id);
        if (entity.Status == ItemStatus.Retired) return TypedResults.Ok(ItemView.From(entity));

        var outcome = await services.WriteAsync([entity.Subject], async () =>
        {
            entity = await services.Db.Items.FromSqlInterpolated($"SELECT * FROM items WHERE id = {id} FOR UPDATE").SingleAsync(cancellationToken);
            entity.Status = ItemStatus.Retired;
            entity.UpdatedAt = services.Clock.GetUtcNow().UtcDateTime;
            await services.Db.SaveChangesAsync(cancellationToken);
            return [id];
        }, cancellationToken);
        if (outcome is not null) return outcome;
        return TypedResults.Ok(ItemView.From(entity));
    }

    private static string? ScoringChange(ItemEntity current, ValidItem proposed) =>
        current.A != proposed.A ? "a"
        : current.B != proposed.B ? "b"
        : current.C != proposed.C ? "c"
        : current.D != proposed.D ? "d"
        : current.Options.Count != proposed.Options.Count ? "options"
        : current.AnswerKey != proposed.AnswerKey ? "answerKey"
        : null;

    private static ItemEntity ToEntity(ValidItem item, DateTime now) => new()
    {
        Subject = item.Subject,
        Topic = item.Topic,
        Content = item.Content,
        Options = item.Options,
        AnswerKey = item.AnswerKey,
        A = item.A,
        B = item.B,
        C = item.C,
        D = item.D,
        Status = item.Status,
        CreatedAt = now,
        UpdatedAt = now,
    };

    // The body is read here rather than bound by the framework so that a wrong type or malformed JSON gives a 400
    // that names the field (System.Text.Json reports the JSON path, e.g. "$[3].a"). Other content types never get
    // here: the endpoints' Accepts metadata answers them with 415.
    internal static async Task<(T? Value, ProblemHttpResult? Error)> ReadBodyAsync<T>(HttpRequest request, JsonSerializerOptions options, CancellationToken cancellationToken)
    {
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, options, cancellationToken);
            return value is null ? (default, Invalid(new ItemFieldError(null, "body", "The body is empty or null."))) : (value, null);
        }
        catch (JsonException error)
        {
            var field = error.Path is { Length: > 1 } path ? path.TrimStart('$').TrimStart('.') : "body";
            return (default, Invalid(new ItemFieldError(null, field, $"The JSON at {error.Path ?? "$"} is malformed or has the wrong type.")));
        }
    }

    private static ProblemHttpResult Invalid(ItemFieldError error) =>
        TypedResults.Problem(error.Message, statusCode: StatusCodes.Status400BadRequest, title: $"Invalid {error.Field}",
            extensions: new Dictionary<string, object?> { ["field"] = error.Field });

    private static ProblemHttpResult NotFound(long id) =>
        TypedResults.Problem($"There is no item {id}.", statusCode: StatusCodes.Status404NotFound, title: "Item not found",
            extensions: new Dictionary<string, object?> { ["field"] = "id" });

    internal static ProblemHttpResult DatabaseUnavailable() =>
        TypedResults.Problem("The exam database is unreachable; nothing was changed. Retry shortly.", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Database unavailable");
}

/// <summary>What the item endpoints need.</summary>
internal sealed record ItemServices(
    ExamDbContext Db,
    QuestionCache Questions,
    PracticeCache Practice,
    ItemChangeNotifications Notifications,
    TimeProvider Clock,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> Json)
{
    /// <summary>
    /// Runs <paramref name="change"/> and bumps the subjects' bank versions in one transaction, then (after commit)
    /// drops the changed questions and the subjects' practice question sets from the Redis cache and notifies every
    /// instance. The change returns the ids it
    /// changed, or null to roll back without a write (it then sets its own refusal). Returns a ProblemDetails result
    /// when the database is unreachable, otherwise null.
    /// </summary>
    public async Task<ProblemHttpResult?> WriteAsync(IEnumerable<string> subjects, Func<Task<IReadOnlyList<long>?>> change, CancellationToken cancellationToken)
    {
        IReadOnlyList<long>? changed;
        try
        {
            await using var transaction = await Db.Database.BeginTransactionAsync(cancellationToken);
            changed = await change();
            if (changed is null) return null;
            await ItemBankVersions.BumpAsync(Db, subjects, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (Exception error) when (DatabaseFailures.IsUnavailable(error))
        {
            return ItemsApi.DatabaseUnavailable();
        }
        finally
        {
            Db.ChangeTracker.Clear();
        }
        await Questions.ForgetAsync(changed);
        foreach (var subject in subjects.Distinct(StringComparer.Ordinal)) await Practice.ForgetSubjectAsync(subject);
        await Notifications.PublishAsync(subjects);
        return null;
    }
}
