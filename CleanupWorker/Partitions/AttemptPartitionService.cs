using CleanupWorker.Sweeping;
using ExamStore.Data;
using Microsoft.Extensions.Options;

namespace CleanupWorker.Partitions;

/// <summary>
/// Keeps the attempts partitions of the current month and the next ones created: every
/// <see cref="CleanupOptions.PartitionCheckInterval"/> after the start (the start itself is covered by ExamStore's
/// migration step). A failed check is logged and the next one tries again; months are created well ahead of need.
/// </summary>
internal sealed partial class AttemptPartitionService(
    AttemptPartitions partitions,
    IOptions<CleanupOptions> options,
    ILogger<AttemptPartitionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PartitionCheckInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await partitions.EnsureAheadAsync(stoppingToken);
            }
            catch (Exception error) when (error is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogCheckFailed(error);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not create the attempts partitions ahead; retrying at the next check")]
    private partial void LogCheckFailed(Exception error);
}
