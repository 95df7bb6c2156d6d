namespace ExamApi.Extensions;

/// <summary>The exam API's service registrations (the table of contents of its dependencies).</summary>
internal static class Extensions
{
    /// <summary>Connection names as the AppHost declares them (ConnectionStrings:cache, ConnectionStrings:examdb).</summary>
    public const string CacheConnectionName = "cache";

    /// <inheritdoc cref="CacheConnectionName"/>
    public const string ExamDatabaseConnectionName = "examdb";

    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddRedisClient(CacheConnectionName);
        builder.AddNpgsqlDataSource(ExamDatabaseConnectionName);
        return builder;
    }
}
