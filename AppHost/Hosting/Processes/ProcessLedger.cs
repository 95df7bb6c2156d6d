namespace AppHost.Hosting.Processes;

/// <summary>
/// A file in the data folder listing the processes the host started (PID, start time, resource, stop signal), so a
/// run that crashed or was killed can be cleaned up by the next one without touching anybody else's processes.
/// </summary>
internal sealed class ProcessLedger(string path, HostOutput output)
{
    private readonly object gate = new();
    private readonly Dictionary<int, (ProcessIdentity Identity, string Resource, int Signal)> entries = [];
    private readonly List<ProcessIdentity> everStarted = [];

    /// <summary>Every process started by this host so far (for tests that check nothing survives).</summary>
    public IReadOnlyList<ProcessIdentity> EverStarted
    {
        get
        {
            lock (gate)
            {
                return everStarted.ToArray();
            }
        }
    }

    public void Add(ProcessIdentity identity, string resource, int stopSignal)
    {
        lock (gate)
        {
            entries[identity.ProcessId] = (identity, resource, stopSignal);
            everStarted.Add(identity);
            Save();
        }
    }

    public void Remove(ProcessIdentity identity)
    {
        lock (gate)
        {
            if (entries.Remove(identity.ProcessId))
            {
                Save();
            }
        }
    }

    /// <summary>Stops processes a previous run left behind: graceful signal, then SIGKILL after five seconds.</summary>
    public async Task CleanUpLeftoversAsync()
    {
        if (!File.Exists(path))
        {
            return;
        }

        var leftovers = new List<(ProcessIdentity Identity, string Resource)>();
        foreach (var line in await File.ReadAllLinesAsync(path))
        {
            var fields = line.Split(' ');
            if (fields.Length != 4 || !int.TryParse(fields[0], out var pid) || !long.TryParse(fields[1], out var startTime)
                || !int.TryParse(fields[3], out var signal))
            {
                continue;
            }

            var identity = new ProcessIdentity(pid, startTime);
            if (startTime != 0 && identity.IsAlive())
            {
                output.WriteHostLine($"stopping leftover process {pid} ({fields[2]}) from a previous run");
                UnixSignals.Send(pid, signal);
                leftovers.Add((identity, fields[2]));
            }
        }

        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (leftovers.Any(leftover => leftover.Identity.IsAlive()) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        foreach (var (identity, _) in leftovers.Where(leftover => leftover.Identity.IsAlive()))
        {
            foreach (var member in ProcessIdentity.SessionAndDescendants(identity.ProcessId))
            {
                UnixSignals.Send(member, UnixSignals.SIGKILL);
            }
        }

        File.Delete(path);
    }

    private void Save()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllLines(path, entries.Values.Select(entry =>
            $"{entry.Identity.ProcessId} {entry.Identity.StartTime} {entry.Resource} {entry.Signal}"));
    }
}
