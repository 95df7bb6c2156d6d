using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServiceDefaults.Clients;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registers a StackExchange.Redis connection read from <c>ConnectionStrings:&lt;name&gt;</c>, like Aspire's Redis client integration.</summary>
public static class RedisClientExtensions
{
    /// <summary>
    /// Adds a singleton <see cref="IConnectionMultiplexer"/> for <c>ConnectionStrings:{connectionName}</c>
    /// (StackExchange.Redis syntax, e.g. <c>127.0.0.1:6379,password=...</c>) and a health check named after the connection
    /// that PINGs the server. The connection does not abort when Redis is down at startup: it keeps reconnecting.
    /// </summary>
    public static IHostApplicationBuilder AddRedisClient(this IHostApplicationBuilder builder, string connectionName)
    {
        var options = ParseRedisConnectionString(
            ConnectionStringReader.GetRequired(builder.Configuration, connectionName), connectionName);
        options.AbortOnConnectFail = false;
        options.ClientName ??= builder.Environment.ApplicationName;

        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            connectionName,
            services => new RedisHealthCheck(services.GetRequiredService<IConnectionMultiplexer>()),
            HealthStatus.Unhealthy,
            tags: null,
            timeout: TimeSpan.FromSeconds(5)));
        return builder;
    }

    internal static ConfigurationOptions ParseRedisConnectionString(string connectionString, string connectionName)
    {
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(connectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or RedisException)
        {
            throw ConnectionStringReader.Malformed(connectionName, ex.Message);
        }

        if (options.EndPoints.Count == 0)
        {
            throw ConnectionStringReader.Malformed(connectionName, "it names no server (expected host:port,password=...).");
        }

        return options;
    }
}
