using ExamStore.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace ExamStore.Tests;

/// <summary>Which database errors mean "retry later" (503) and which mean the request itself was refused.</summary>
public sealed class DatabaseFailuresTests
{
    [Theory]
    [InlineData("08006", true)]  // connection failure
    [InlineData("57P01", true)]  // admin shutdown
    [InlineData("53300", true)]  // too many connections
    [InlineData("53200", true)]  // out of memory
    [InlineData("23505", false)] // unique violation: the request's own conflict
    [InlineData("42P01", false)] // undefined table: a bug, not an outage
    public void PostgresErrorsAreClassifiedByTheirClass(string sqlState, bool unavailable)
    {
        var error = new PostgresException("message", "ERROR", "ERROR", sqlState);
        Assert.Equal(unavailable, DatabaseFailures.IsUnavailable(error));
        Assert.Equal(unavailable, DatabaseFailures.IsUnavailable(new DbUpdateException("wrapped", error)));
    }

    [Fact]
    public void TimeoutsAreUnavailableAndOtherExceptionsAreNot()
    {
        Assert.True(DatabaseFailures.IsUnavailable(new TimeoutException()));
        Assert.True(DatabaseFailures.IsUnavailable(new InvalidOperationException("pool", new TimeoutException())));
        Assert.False(DatabaseFailures.IsUnavailable(new InvalidOperationException("a bug")));
        Assert.False(DatabaseFailures.IsUnavailable(new FormatException()));
    }
}
