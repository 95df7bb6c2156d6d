using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;

namespace ServiceDefaults.Telemetry;

/// <summary>
/// The builder that OpenTelemetry.Extensions.Hosting's <c>AddOpenTelemetry()</c> would return (that package is not
/// available here): the SDK's WithTracing/WithMetrics/WithLogging/UseOtlpExporter extensions only need the services.
/// </summary>
internal sealed class OpenTelemetryServicesBuilder(IServiceCollection services) : IOpenTelemetryBuilder
{
    public IServiceCollection Services { get; } = services;
}
