using AppHost.Hosting;

namespace AppHost.Tests;

/// <summary>Finds processes of a graph that are still alive: the started processes and every process of their sessions.</summary>
internal static class ProcessCheck
{
    public static IReadOnlyList<string> Survivors(DistributedApplication app)
    {
        var sessions = app.StartedProcesses.Select(process => process.ProcessId).ToHashSet();
        var survivors = new List<string>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                continue;
            }

            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields[0] != "Z" && sessions.Contains(int.Parse(fields[3])))
            {
                survivors.Add($"{pid} {stat[..(stat.LastIndexOf(')') + 1)]}");
            }
        }

        return survivors;
    }
}
