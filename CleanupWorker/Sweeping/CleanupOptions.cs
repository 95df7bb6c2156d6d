using ExamStore.Sessions;

namespace CleanupWorker.Sweeping;

/// <summary>The sweep schedule (configuration section <c>Cleanup</c>).</summary>
internal sealed class CleanupOptions
{
    public const string SectionName = "Cleanup";

    /// <summary>Time between sweeps (<c>Cleanup:Interval</c>, a TimeSpan such as "00:10:00"; default 10 minutes).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Sessions idle longer than this many minutes are abandoned (<c>Cleanup:InactivityMinutes</c>; default 30).</summary>
    public double InactivityMinutes { get; set; } = SessionSweeper.DefaultInactivity.TotalMinutes;

    /// <summary>
    /// Time between checks that the attempts partitions of this month and the next ones exist
    /// (<c>Cleanup:PartitionCheckInterval</c>, a TimeSpan; default one day: months are created three ahead).
    /// </summary>
    public TimeSpan PartitionCheckInterval { get; set; } = TimeSpan.FromDays(1);
}
