using CleanupWorker.Sweeping;
using ExamStore;
using ExamStore.Bank;
using ExamStore.Data;
using ExamStore.Sessions;
using OpenTelemetry.Metrics;

namespace CleanupWorker.Extensions;

/// <summary>The cleanup worker's service registrations.</summary>
internal static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddRedisClient("cache");
        builder.AddNpgsqlDbContext<ExamDbContext>("examdb");
        builder.Services.AddExamStore(builder.Configuration);
        // Ending a completed exam updates proficiency from the item bank; keep this instance's banks fresh too.
        builder.Services.AddItemChangeNotifications();
        builder.Services.AddSessionSweeper();
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(SessionSweeper.MeterName));
        builder.Services.AddOptions<CleanupOptions>()
            .Bind(builder.Configuration.GetSection(CleanupOptions.SectionName))
            .Validate(o => o.Interval > TimeSpan.Zero, "Cleanup:Interval must be positive.")
            .Validate(o => o.InactivityMinutes >= 0, "Cleanup:InactivityMinutes must be 0 or more.")
            .ValidateOnStart();
        builder.Services.AddHostedService<CleanupSweepService>();
        return builder;
    }
}
