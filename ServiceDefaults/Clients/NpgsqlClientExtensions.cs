using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Npgsql;
using ServiceDefaults.Clients;
using System.Data.Common;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registers PostgreSQL access read from <c>ConnectionStrings:&lt;name&gt;</c>, like Aspire's Npgsql client integrations.</summary>
public static class NpgsqlClientExtensions
{
    /// <summary>
    /// Adds a singleton <see cref="NpgsqlDataSource"/> (also as <see cref="DbDataSource"/>) for
    /// <c>ConnectionStrings:{connectionName}</c> (Npgsql syntax) and a health check named after the connection that opens a
    /// connection and runs <c>SELECT 1</c>. Npgsql's tracing and metrics are collected by <c>AddServiceDefaults()</c>.
    /// Calling it again for the same service collection is a no-op.
    /// </summary>
    public static IHostApplicationBuilder AddNpgsqlDataSource(
        this IHostApplicationBuilder builder, string connectionName, Action<NpgsqlDataSourceBuilder>? configureDataSource = null)
    {
        var connectionString = ValidateNpgsqlConnectionString(
            ConnectionStringReader.GetRequired(builder.Configuration, connectionName), connectionName);
        if (builder.Services.Any(service => service.ServiceType == typeof(NpgsqlDataSource)))
        {
            return builder;
        }

        builder.Services.AddSingleton(services =>
        {
            var dataSourceBuilder = new NpgsqlDataSourceBuilder(connectionString);
            dataSourceBuilder.UseLoggerFactory(services.GetService<ILoggerFactory>());
            configureDataSource?.Invoke(dataSourceBuilder);
            return dataSourceBuilder.Build();
        });
        builder.Services.TryAddSingleton<DbDataSource>(services => services.GetRequiredService<NpgsqlDataSource>());
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            connectionName,
            services => new NpgsqlHealthCheck(services.GetRequiredService<NpgsqlDataSource>()),
            HealthStatus.Unhealthy,
            tags: null,
            timeout: TimeSpan.FromSeconds(5)));
        return builder;
    }

    /// <summary>
    /// Adds a pooled <typeparamref name="TContext"/> that uses PostgreSQL through the data source of
    /// <see cref="AddNpgsqlDataSource"/> (registered here if not yet), plus a health check named after the context type.
    /// </summary>
    public static IHostApplicationBuilder AddNpgsqlDbContext<TContext>(
        this IHostApplicationBuilder builder, string connectionName, Action<DbContextOptionsBuilder>? configureDbContext = null)
        where TContext : DbContext
    {
        builder.AddNpgsqlDataSource(connectionName);
        builder.Services.AddDbContextPool<TContext>((services, options) =>
        {
            options.UseNpgsql(services.GetRequiredService<NpgsqlDataSource>());
            configureDbContext?.Invoke(options);
        });
        builder.Services.AddHealthChecks().AddDbContextCheck<TContext>(typeof(TContext).Name);
        return builder;
    }

    internal static string ValidateNpgsqlConnectionString(string connectionString, string connectionName)
    {
        NpgsqlConnectionStringBuilder parsed;
        try
        {
            parsed = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException)
        {
            throw ConnectionStringReader.Malformed(connectionName, ex.Message);
        }

        if (string.IsNullOrWhiteSpace(parsed.Host))
        {
            throw ConnectionStringReader.Malformed(connectionName, "it has no Host (expected Host=...;Port=...;Username=...;Password=...;Database=...).");
        }

        return connectionString;
    }
}
