using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ServiceDefaults.Health;
using ServiceDefaults.Telemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>What every service of the graph gets: OpenTelemetry, health checks, health endpoints and ProblemDetails.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Path of the endpoint that runs every registered health check (readiness).</summary>
    public const string HealthEndpointPath = "/health";

    /// <summary>Path of the endpoint that runs only the checks tagged <see cref="LiveTag"/> (liveness).</summary>
    public const string AlivenessEndpointPath = "/alive";

    /// <summary>Tag of the health checks that say the process is alive (not whether its dependencies are).</summary>
    public const string LiveTag = "live";

    // Without this switch .NET 10 creates server activities without the OpenTelemetry attributes
    // (http.request.method, url.path, ...). The switch is read when the hosting diagnostics type is first
    // used, i.e. when the host is built, so setting it here (before Build) is early enough.
    private const string SuppressActivityOpenTelemetryDataSwitch = "Microsoft.AspNetCore.Hosting.SuppressActivityOpenTelemetryData";

    private static readonly string[] FrameworkActivitySources = ["Microsoft.AspNetCore", "System.Net.Http", "Npgsql"];

    private static readonly string[] FrameworkMeters =
        ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http", "System.Runtime", "Npgsql"];

    /// <summary>Adds OpenTelemetry, the default health checks and ProblemDetails.</summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Binding failures throw in every environment (not only Development), so the handler can name the parameter.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return builder;
    }

    /// <summary>
    /// Traces, metrics and logs for ASP.NET Core, HttpClient, Npgsql, Redis (<see cref="RedisTelemetry"/>) and the application's own
    /// ActivitySource/Meter (named after the application); exported over OTLP http/protobuf only when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is configured.
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (!AppContext.TryGetSwitch(SuppressActivityOpenTelemetryDataSwitch, out _))
        {
            AppContext.SetSwitch(SuppressActivityOpenTelemetryDataSwitch, false);
        }

        var applicationName = builder.Environment.ApplicationName;
        var otel = new OpenTelemetryServicesBuilder(builder.Services);

        // OTEL_SERVICE_NAME (set by the AppHost) wins; the application name is the fallback for a bare `dotnet run`.
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_SERVICE_NAME"]))
        {
            otel.ConfigureResource(resource => resource.AddService(applicationName));
        }

        otel.WithLogging(configureBuilder: null, configureOptions: logging =>
            {
                logging.IncludeFormattedMessage = true;
                logging.IncludeScopes = true;
            })
            .WithMetrics(metrics => metrics.AddMeter([.. FrameworkMeters, applicationName]))
            .WithTracing(tracing => tracing.AddSource([.. FrameworkActivitySources, RedisTelemetry.ActivitySourceName, applicationName]));

        var endpoint = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            otel.UseOtlpExporter(OtlpExportProtocol.HttpProtobuf, new Uri(endpoint));
        }

        builder.Services.AddHostedService<TelemetryProvidersStarter>();
        builder.Services.AddSingleton<IStartupFilter, ServerSpanStartupFilter>();
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
