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

    /// <summary>PIDs of live processes whose session id is <paramref name="sessionId"/>.</summary>
    public static IReadOnlyList<int> SessionMembers(int sessionId)
    {
        var members = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid)
                && ReadStat(pid) is { } stat && stat.SessionId == sessionId && stat.State != 'Z')
            {
                members.Add(pid);
            }
        }

        return members;
    }

    private static (char State, int SessionId, long StartTime)? ReadStat(int processId)
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
        return (fields[0][0], int.Parse(fields[3]), long.Parse(fields[19]));
    }
}
