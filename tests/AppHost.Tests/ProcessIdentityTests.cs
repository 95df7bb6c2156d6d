using System.Diagnostics;
using GraphHost;

namespace AppHost.Tests;

/// <summary>
/// The graph hosts recognise a process they recorded by its id and start time, so a later process that got the same id
/// is neither reported as a survivor nor killed in its place.
/// </summary>
public sealed class ProcessIdentityTests
{
    [Fact]
    public async Task ARecordedProcessIsAliveUntilItEndsAndAnotherStartTimeUnderItsIdIsNeverKilled()
    {
        using var sleeper = Process.Start("sleep", "60");
        var recorded = ProcessIdentity.Of(sleeper.Id);
        Assert.NotNull(recorded);
        Assert.True(recorded.Value.IsAlive);
        Assert.Equal(recorded, ProcessIdentity.Of(sleeper.Id));

        // What a record of an earlier process with this id looks like: the live process is not it, and survives.
        var earlier = recorded.Value with { StartTicks = recorded.Value.StartTicks - 1 };
        Assert.False(earlier.IsAlive);
        Processes.Kill(earlier);
        Assert.False(sleeper.WaitForExit(500));

        Processes.Kill(recorded.Value);
        await sleeper.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(recorded.Value.IsAlive);
        Assert.Null(ProcessIdentity.Of(sleeper.Id));
    }
}
