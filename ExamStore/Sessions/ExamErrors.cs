using ExamStore.Data;

namespace ExamStore.Sessions;

/// <summary>What kind of failure an exam operation reports; the API maps each to an HTTP status.</summary>
public enum ExamErrorKind
{
    /// <summary>Bad input (400), naming the field.</summary>
    Invalid,

    /// <summary>No such session, or the caller may not know it exists (404).</summary>
    NotFound,

    /// <summary>The request does not fit the session's state (409): not the current item, exam over, time up.</summary>
    Conflict,

    /// <summary>Postgres is unreachable: the request was not acknowledged and may be retried (503).</summary>
    Unavailable,
}

/// <summary>An exam operation that could not be carried out; nothing was written.</summary>
public sealed class ExamException(ExamErrorKind kind, string title, string detail, string? field = null) : Exception(detail)
{
    /// <summary>The failure kind.</summary>
    public ExamErrorKind Kind { get; } = kind;

    /// <summary>Short, stable title.</summary>
    public string Title { get; } = title;

    /// <summary>The request field at fault, if any.</summary>
    public string? Field { get; } = field;

    /// <summary>Every fault by field when there are several (an invalid exam design), reported as ProblemDetails "errors".</summary>
    public IReadOnlyDictionary<string, string[]>? Errors { get; init; }
}

/// <summary>Runs the flows' Postgres calls so that an unreachable database is an <see cref="ExamErrorKind.Unavailable"/> error (503).</summary>
public static class DatabaseCalls
{
    /// <summary>The call's result; Postgres failures become 503s. The client may retry: an answer that did commit is then returned as recorded.</summary>
    public static async Task<T> RunAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception error) when (DatabaseFailures.IsUnavailable(error))
        {
            throw new ExamException(ExamErrorKind.Unavailable, "Database unavailable", "The exam database is unreachable, so this request was not completed. Retry shortly: a retried answer returns the recorded result.");
        }
    }
}
