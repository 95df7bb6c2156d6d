using System.Diagnostics;

namespace GraphHost;

/// <summary>
/// One process: its id and when it started. Ids alone are reused within minutes here (pid_max is 32,768 and every
/// thread takes a number from the same pool), so a process recorded earlier is the same one only if its start matches.
/// </summary>
public readonly record struct ProcessIdentity(int Pid, long StartTicks)
{
    /// <summary>The process with this id now, or null when there is none.</summary>
    public static ProcessIdentity? Of(int pid) => Processes.StartTicks(pid) is { } start ? new ProcessIdentity(pid, start) : null;

    /// <summary>True while this very process runs (not a zombie, not a newer process that got its id).</summary>
    public bool IsAlive => Processes.StartTicks(Pid) == StartTicks && Processes.CommandLine(Pid) is not null;
}

/// <summary>Linux processes by id, read from /proc: the graph's processes are checked and killed this way.</summary>
public static class Processes
{
    /// <summary>Sends SIGKILL; a process that has already ended is not an error.</summary>
    public static void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (ArgumentException)
        {
            // Already gone.
        }
    }

    /// <summary>Sends SIGKILL to the process recorded if it still runs, not to a newer one that got its id.</summary>
    public static void Kill(ProcessIdentity process)
    {
        if (process.IsAlive) Kill(process.Pid);
    }

    /// <summary>When the process started, in clock ticks since boot (/proc/PID/stat field 22); null when it does not exist.</summary>
    public static long? StartTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Field 22, counted from "pid (comm) state" as fields 1-3; comm may hold spaces, so split after the last ')'.
            return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The command line (arguments joined by spaces), or null when the process does not exist (any more).</summary>
    public static string? CommandLine(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').TrimEnd();
            // A zombie (ended, not yet reaped) has an empty command line: it runs nothing.
            return text.Length == 0 ? null : text;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The process and all its descendants alive now.</summary>
    public static IReadOnlyList<int> WithDescendants(int pid)
    {
        var children = AllParents().ToLookup(pair => pair.Parent, pair => pair.Pid);
        var result = new List<int>();
        var pending = new Stack<int>([pid]);
        while (pending.TryPop(out var current))
        {
            if (CommandLine(current) is null) continue;
            result.Add(current);
            foreach (var child in children[current]) pending.Push(child);
        }

        return result;
    }

    /// <summary>
    /// CPU seconds used by the processes and all their descendants: user and system time of each live one, plus what the
    /// ones that have ended used (counted in their parent's time for reaped children), so a backend that comes and goes
    /// between two samples is not lost. Each process is counted once even when several roots contain it.
    /// </summary>
    public static double CpuSeconds(IEnumerable<int> roots, IReadOnlySet<int>? excluding = null)
    {
        var counted = new HashSet<int>();
        long ticks = 0;
        foreach (var pid in roots.SelectMany(WithDescendants))
        {
            if (excluding?.Contains(pid) == true || !counted.Add(pid)) continue;
            ticks += CpuTicks(pid);
        }

        // /proc reports times in USER_HZ, which is 100 on Linux whatever the kernel's tick rate.
        return ticks / 100.0;
    }

    /// <summary>Every live process's id and command line.</summary>
    public static IReadOnlyList<(int Pid, string CommandLine)> All() =>
        AllParents().Select(pair => (pair.Pid, CommandLine(pair.Pid))).Where(process => process.Item2 is not null)
            .Select(process => (process.Pid, process.Item2!)).ToList();

    private static long CpuTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // utime, stime, cutime, cstime: fields 14-17 of stat, 11-14 after "pid (comm) ".
            return fields.Skip(11).Take(4).Sum(field => long.Parse(field, System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static IEnumerable<(int Pid, int Parent)> AllParents()
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid)) continue;
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                continue;
            }

            // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so parse after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            yield return (pid, int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
