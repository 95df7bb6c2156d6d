using CleanupWorker.Partitions;
using CleanupWorker.Sweeping;
using ExamStore;
using ExamStore.Bank;
using ExamStore.Data;
using ExamStore.HotState;
using ExamStore.Sessions;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using OpenTelemetry.Metrics;

namespace CleanupWorker.Extensions;

/// <summary>The cleanup worker's service registrations.</summary>
internal static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddRedisClient("cache", configureOptions: RedisHealth.ConfigureClient);
        builder.AddNpgsqlDataSource("examdb");
        // Over the same data source, so EF Core and ExamStore's raw Npgsql share one pool. No retrying execution
        // strategy: ExamStore runs explicit transactions, which such a strategy refuses.
        builder.Services.AddDbContextPool<ExamDbContext>((services, options) => options.UseNpgsql(services.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddExamStore(builder.Configuration);
        // Ending a completed exam updates proficiency from the item bank; keep this instance's banks fresh too.
        builder.Services.AddItemChangeNotifications();
        builder.Services.AddSessionSweeper();
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(SessionSweeper.MeterName, ExposureCounts.MeterName, AttemptPartitions.MeterName));
        builder.Services.AddOptions<CleanupOptions>()
            .Bind(builder.Configuration.GetSection(CleanupOptions.SectionName))
            .Validate(o => o.Interval > TimeSpan.Zero, "Cleanup:Interval must be positive.")
            .Validate(o => o.InactivityMinutes >= 0, "Cleanup:InactivityMinutes must be 0 or more.")
            .Validate(o => o.PartitionCheckInterval > TimeSpan.Zero && o.PartitionCheckInterval <= TimeSpan.FromDays(30),
                "Cleanup:PartitionCheckInterval must be positive and at most 30 days (partitions are created three months ahead).")
            .ValidateOnStart();
        builder.Services.AddHostedService<CleanupSweepService>();
        builder.Services.AddHostedService<AttemptPartitionService>();
        return builder;
    }
}
