using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace ExamStore.Data;

/// <summary>Tells a database that cannot serve now (the client may retry: 503) from a request it refuses (a bug or bad data).</summary>
public static class DatabaseFailures
{
    /// <summary>
    /// True for failures that say nothing about the request: no connection (class 08), the server shutting down or
    /// restarting (57P), insufficient resources such as too many connections (53), timeouts, and Npgsql's own I/O errors.
    /// </summary>
    public static bool IsUnavailable(Exception error) => error switch
    {
        PostgresException postgres => postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
            || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal)
            || postgres.SqlState.StartsWith("53", StringComparison.Ordinal),
        NpgsqlException or TimeoutException => true,
        DbUpdateException { InnerException: { } inner } => IsUnavailable(inner),
        // EF's execution strategy and Npgsql's pool wrap the real failure (DbUpdateException → PostgresException 57P01, …).
        InvalidOperationException { InnerException: { } inner } => IsUnavailable(inner),
        _ => false,
    };
}
