using CleanupWorker.Probes;

namespace CleanupWorker.Extensions;

/// <summary>The cleanup worker's service registrations.</summary>
internal static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddRedisClient("cache");
        builder.AddNpgsqlDataSource("examdb");
        builder.Services.Configure<ConnectivityProbeOptions>(builder.Configuration.GetSection(ConnectivityProbeOptions.SectionName));
        builder.Services.AddHostedService<ConnectivityProbe>();
        return builder;
    }
}
