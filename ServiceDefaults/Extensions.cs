using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using ServiceDefaults.Health;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The Aspire service defaults every service of the graph gets (OpenTelemetry, health checks, service discovery,
/// HttpClient resilience), plus ProblemDetails for errors and a JSON body on the health endpoints.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Path of the endpoint that runs every registered health check (readiness).</summary>
    public const string HealthEndpointPath = "/health";

    /// <summary>Path of the endpoint that runs only the checks tagged <see cref="LiveTag"/> (liveness).</summary>
    public const string AlivenessEndpointPath = "/alive";

    /// <summary>Tag of the health checks that say the process is alive (not whether its dependencies are).</summary>
    public const string LiveTag = "live";

    /// <summary>Adds OpenTelemetry, the default health checks, service discovery, HttpClient resilience and ProblemDetails.</summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Binding failures throw in every environment (not only Development), so the handler can name the parameter.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return builder;
    }

    /// <summary>
    /// Logs, metrics and traces of ASP.NET Core, HttpClient, the runtime and the application's own ActivitySource and
    /// Meter (named after the application), exported over OTLP only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var applicationName = builder.Environment.ApplicationName;

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(applicationName))
            .WithTracing(tracing => tracing
                .AddSource(applicationName)
                // Probes would flood the traces; /health/* (e.g. /health/redis) is left out with them.
                .AddAspNetCoreInstrumentation(options => options.Filter = context =>
                    !context.Request.Path.StartsWithSegments(HealthEndpointPath)
                    && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath))
                .AddHttpClientInstrumentation());

        // UseOtlpExporter reads OTEL_EXPORTER_OTLP_PROTOCOL too: Aspire sets grpc for its dashboard.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>Registers the liveness check ("self", tagged <see cref="LiveTag"/>) that every service has.</summary>
    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (all checks; 503 when any is unhealthy) and <c>/alive</c> (liveness only), both with a JSON
    /// body listing each check, and turns unhandled exceptions and bare error status codes into ProblemDetails.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // Registered here because every service calls this right after Build(), before mapping its own endpoints,
        // which is where the exception handler has to sit in the pipeline.
        app.UseExceptionHandler();
        app.UseStatusCodePages();

        app.MapHealthChecks(HealthEndpointPath, new HealthCheckOptions { ResponseWriter = HealthReportWriter.WriteAsync });
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(LiveTag),
            ResponseWriter = HealthReportWriter.WriteAsync,
        });
        return app;
    }
}
