using ExamStore.Data;

namespace ExamApi.Apis;

/// <summary>
/// An item as an administrator writes it. Numbers are nullable so that a missing field is reported by name instead
/// of silently becoming 0; <c>c</c> defaults to 0, <c>d</c> to 1 and <c>status</c> to "active".
/// </summary>
public sealed record ItemInput(
    string? Subject,
    string? Topic,
    string? Content,
    IReadOnlyList<string?>? Options,
    int? AnswerKey,
    double? A,
    double? B,
    double? C,
    double? D,
    string? Status);

/// <summary>An item as the admin API returns it (answer key included: admins only).</summary>
public sealed record ItemView(
    long Id,
    string Subject,
    string Topic,
    string Content,
    IReadOnlyList<string> Options,
    int AnswerKey,
    double A,
    double B,
    double C,
    double D,
    string Status,
    DateTime CreatedAt,
    DateTime UpdatedAt)
{
    /// <summary>The view of an entity.</summary>
    public static ItemView From(ItemEntity item) =>
        new(item.Id, item.Subject, item.Topic, item.Content, item.Options, item.AnswerKey, item.A, item.B, item.C, item.D, item.Status, item.CreatedAt, item.UpdatedAt);
}

/// <summary>One page of items.</summary>
public sealed record ItemPage(IReadOnlyList<ItemView> Items, int Page, int PageSize, int Total);

/// <summary>The result of a bulk import: every item created, in the order given.</summary>
public sealed record ItemImportResult(int Imported, IReadOnlyList<ItemView> Items);

/// <summary>One invalid field of one element of a bulk import.</summary>
public sealed record ItemFieldError(int? Index, string Field, string Message);

/// <summary>A validated item, ready to store.</summary>
public sealed record ValidItem(string Subject, string Topic, string Content, List<string> Options, int AnswerKey, double A, double B, double C, double D, string Status);

/// <summary>The rules an item must satisfy (mirroring the database's CHECK constraints, with messages that name the field).</summary>
public static class ItemRules
{
    /// <summary>Longest subject or topic.</summary>
    public const int MaxNameLength = 100;

    /// <summary>Longest question text.</summary>
    public const int MaxContentLength = 10_000;

    /// <summary>Longest option text.</summary>
    public const int MaxOptionLength = 1_000;

    /// <summary>Fewest options.</summary>
    public const int MinOptions = 2;

    /// <summary>Most options.</summary>
    public const int MaxOptions = 10;

    /// <summary>Largest bulk import.</summary>
    public const int MaxImport = 5_000;

    /// <summary>Validates an item; returns it, or the first invalid field.</summary>
    public static (ValidItem? Item, ItemFieldError? Error) Validate(ItemInput? input, int? index = null)
    {
        ItemFieldError Fail(string field, string message) => new(index, index is int i ? $"[{i}].{field}" : field, message);

        if (input is null) return (null, Fail("item", "Each element must be an item object."));
        if (NameError(input.Subject, "subject") is { } subjectError) return (null, Fail("subject", subjectError));
        if (NameError(input.Topic, "topic") is { } topicError) return (null, Fail("topic", topicError));
        if (string.IsNullOrWhiteSpace(input.Content) || input.Content.Length > MaxContentLength)
            return (null, Fail("content", $"content is required (1 to {MaxContentLength} characters)."));
        if (input.Options is null || input.Options.Count is < MinOptions or > MaxOptions)
            return (null, Fail("options", $"options must list {MinOptions} to {MaxOptions} answer options."));
        for (var k = 0; k < input.Options.Count; k++)
        {
            if (string.IsNullOrWhiteSpace(input.Options[k]) || input.Options[k]!.Length > MaxOptionLength)
                return (null, Fail($"options[{k}]", $"Each option must be 1 to {MaxOptionLength} characters."));
        }
        if (input.AnswerKey is not int answerKey) return (null, Fail("answerKey", "answerKey is required (the index of the correct option)."));
        if (answerKey < 0 || answerKey >= input.Options.Count)
            return (null, Fail("answerKey", $"answerKey must be an option index from 0 to {input.Options.Count - 1}."));
        if (input.A is not double a || !double.IsFinite(a) || a <= 0 || a > 10)
            return (null, Fail("a", "a (discrimination) is required and must be in (0, 10]."));
        if (input.B is not double b || !double.IsFinite(b) || b < -10 || b > 10)
            return (null, Fail("b", "b (difficulty) is required and must be in [-10, 10]."));
        var c = input.C ?? 0;
        if (!double.IsFinite(c) || c < 0 || c >= 1) return (null, Fail("c", "c (guessing) must be in [0, 1)."));
        var d = input.D ?? 1;
        if (!double.IsFinite(d) || d <= c || d > 1) return (null, Fail("d", "d (upper asymptote) must be greater than c and at most 1."));
        var status = input.Status ?? ItemStatus.Active;
        if (status is not (ItemStatus.Active or ItemStatus.Retired)) return (null, Fail("status", "status must be \"active\" or \"retired\"."));
        return (new ValidItem(input.Subject!, input.Topic!, input.Content, input.Options.Select(o => o!).ToList(), answerKey, a, b, c, d, status), null);
    }

    private static string? NameError(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) || value.Length > MaxNameLength || value.Trim().Length != value.Length
            ? $"{field} is required (1 to {MaxNameLength} characters, no leading or trailing spaces)."
            : null;
}
