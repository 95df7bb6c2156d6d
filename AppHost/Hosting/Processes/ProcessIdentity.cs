namespace AppHost.Hosting.Processes;

/// <summary>
/// A process id plus its start time (from /proc): a PID alone can be reused by an unrelated process after a crash,
/// the pair cannot, so leftovers are only ever killed when both match.
/// </summary>
public sealed record ProcessIdentity(int ProcessId, long StartTime)
{
    /// <summary>The identity of a running process, or start time 0 when /proc cannot be read.</summary>
    public static ProcessIdentity Of(int processId) => new(processId, ReadStat(processId)?.StartTime ?? 0);

    /// <summary>True when a process with this PID and start time is still alive (and not a zombie).</summary>
    public bool IsAlive()
    {
        var stat = ReadStat(ProcessId);
        return stat is not null && stat.Value.State != 'Z' && (StartTime == 0 || stat.Value.StartTime == StartTime);
    }

    /// <summary>
    /// PIDs of the live processes in session <paramref name="sessionId"/> and of all their descendants: a child that
    /// calls setsid itself leaves the session but not the tree (PostgreSQL's backends do, so the session alone misses them).
    /// </summary>
    public static IReadOnlyList<int> SessionAndDescendants(int sessionId)
    {
        var live = new List<(int ProcessId, int ParentId, int SessionId)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && ReadStat(pid) is { State: not 'Z' } stat)
            {
                live.Add((pid, stat.ParentId, stat.SessionId));
            }
        }

        var members = live.Where(process => process.SessionId == sessionId).Select(process => process.ProcessId).ToHashSet();
        var grown = true;
        while (grown)
        {
            grown = false;
            foreach (var process in live.Where(process => members.Contains(process.ParentId)))
            {
                grown |= members.Add(process.ProcessId);
            }
        }

        return members.ToArray();
    }

    private static (char State, int ParentId, int SessionId, long StartTime)? ReadStat(int processId)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{processId}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may contain spaces: fields are counted after the last ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (fields[0][0], int.Parse(fields[1]), int.Parse(fields[3]), long.Parse(fields[19]));
    }
}
