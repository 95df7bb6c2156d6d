using AppHost.Hosting;
using AppHost.Hosting.Processes;

namespace AppHost.Tests;

/// <summary>
/// Finds the live processes of a graph: every process of the sessions of the processes it started (each resource
/// process is a session leader, so PostgreSQL's backends and any child count too), with their command lines.
/// </summary>
internal static class ProcessCheck
{
    /// <summary>Live processes of the graph's sessions, as "PID command line"; empty once everything has stopped.</summary>
    public static IReadOnlyList<string> Survivors(DistributedApplication app) => Survivors(app.StartedProcesses);

    /// <inheritdoc cref="Survivors(DistributedApplication)"/>
    public static IReadOnlyList<string> Survivors(IEnumerable<ProcessIdentity> started) =>
        CommandLines(started).Select(process => $"{process.ProcessId} {process.CommandLine}").ToList();

    /// <summary>The PID and command line (arguments joined by spaces) of every live process in the started processes' sessions.</summary>
    public static IReadOnlyList<(int ProcessId, string CommandLine)> CommandLines(IEnumerable<ProcessIdentity> started)
    {
        var processes = new List<(int, string)>();
        foreach (var pid in started.SelectMany(process => ProcessIdentity.SessionAndDescendants(process.ProcessId)).Distinct())
        {
            try
            {
                processes.Add((pid, File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').TrimEnd()));
            }
            catch (IOException)
            {
                // Ended between the scan and the read: not a survivor.
            }
        }

        return processes;
    }
}
