using ExamApi.Seeding;
using ExamApi.Telemetry;
using ExamStore;
using ExamStore.Bank;
using ExamStore.Data;
using ExamStore.HotState;
using ExamStore.Practice;
using ExamStore.Sessions;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ExamApi.Extensions;

/// <summary>The exam API's service registrations (the table of contents of its dependencies).</summary>
internal static class Extensions
{
    /// <summary>Connection names as the AppHost declares them (ConnectionStrings:cache, ConnectionStrings:examdb).</summary>
    public const string CacheConnectionName = "cache";

    /// <inheritdoc cref="CacheConnectionName"/>
    public const string ExamDatabaseConnectionName = "examdb";

    /// <summary>
    /// Connections one instance opens to Postgres at most (<c>Exam:MaxDatabaseConnections</c>, default 32), unless the
    /// connection string sets another Maximum Pool Size. Many replicas share Postgres's max_connections: see SCALING.md.
    /// </summary>
    public const int MaxDatabaseConnections = 32;

    /// <summary>Statements each connection keeps prepared, unless the connection string sets Max Auto Prepare.</summary>
    public const int MaxAutoPreparedStatements = 64;

    private const int DefaultNpgsqlPoolSize = 100;

    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddRedisClient(CacheConnectionName, configureOptions: RedisHealth.ConfigureClient);
        // Postgres allows 100 connections by default for every client together. A bounded pool makes a burst queue
        // for a connection inside the API (and get a 503 after the pool's wait) instead of being refused by the server.
        // Auto-preparing the statements run again and again (EF Core's included) saves Postgres a parse and a plan each.
        builder.AddNpgsqlDataSource(ExamDatabaseConnectionName, configureDataSourceBuilder: dataSource =>
        {
            if (dataSource.ConnectionStringBuilder.MaxPoolSize == DefaultNpgsqlPoolSize)
                dataSource.ConnectionStringBuilder.MaxPoolSize = builder.Configuration.GetValue("Exam:MaxDatabaseConnections", MaxDatabaseConnections);
            if (dataSource.ConnectionStringBuilder.MaxAutoPrepare == 0) dataSource.ConnectionStringBuilder.MaxAutoPrepare = MaxAutoPreparedStatements;
        });
        // Over the same data source, so EF Core and ExamStore's raw Npgsql share one pool. No retrying execution
        // strategy: ExamStore runs explicit transactions, which such a strategy refuses.
        builder.Services.AddDbContextPool<ExamDbContext>((services, options) => options.UseNpgsql(services.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddSingleton<ExamMetrics>();
        builder.Services.AddSingleton<IExamFlowObserver>(services => services.GetRequiredService<ExamMetrics>());
        builder.Services.AddExamStore(builder.Configuration);
        builder.AddAdminKey();
        builder.AddStudentCredentials();
        builder.AddRateLimits();
        builder.Services.AddItemChangeNotifications();
        builder.Services.AddSessionSweeper();
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(SessionSweeper.MeterName, AttemptWriter.Meter.Name, CacheStatistics.MeterName, ExposureCounts.MeterName, AttemptPartitions.MeterName));
        // After AddExamStore: hosted services start in registration order, so the schema exists when this runs.
        builder.Services.AddHostedService<DemoItemBankSeeder>();
        // ServiceDefaults traces the sources named after the application; the exam flows trace under ExamStore's.
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource(ExamSessionService.ActivitySource.Name));
        builder.Services.AddOpenApi();
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict);
        return builder;
    }

    /// <summary>The OpenAPI document at /openapi/v1.json, and Swagger UI at /swagger in Development.</summary>
    public static WebApplication MapOpenApiDocuments(this WebApplication app)
    {
        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            app.UseSwaggerUI(options => options.SwaggerEndpoint("/openapi/v1.json", "ExamApi v1"));
        }
        return app;
    }
}
