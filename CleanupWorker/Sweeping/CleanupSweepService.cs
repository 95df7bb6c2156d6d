using ExamStore.Sessions;
using Microsoft.Extensions.Options;

namespace CleanupWorker.Sweeping;

/// <summary>
/// Runs <see cref="SessionSweeper"/> once at start and then every <see cref="CleanupOptions.Interval"/>. A failed sweep
/// (Postgres unreachable, say) is logged and the next tick tries again; the worker itself never stops over it.
/// </summary>
internal sealed partial class CleanupSweepService(
    SessionSweeper sweeper,
    IOptions<CleanupOptions> options,
    ILogger<CleanupSweepService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var inactivity = TimeSpan.FromMinutes(settings.InactivityMinutes);
        LogSchedule(settings.Interval, settings.InactivityMinutes);
        using var timer = new PeriodicTimer(settings.Interval);
        do
        {
            try
            {
                await sweeper.SweepAsync(inactivity, stoppingToken);
            }
            catch (Exception error) when (error is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(error);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(LogLevel.Information, "Cleanup sweeps every {Interval}, abandoning sessions idle for more than {Minutes} minutes")]
    private partial void LogSchedule(TimeSpan interval, double minutes);

    [LoggerMessage(LogLevel.Warning, "Cleanup sweep failed; retrying at the next interval")]
    private partial void LogSweepFailed(Exception error);
}
