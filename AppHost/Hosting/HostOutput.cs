namespace AppHost.Hosting;

/// <summary>
/// The host's console: resource output prefixed with the resource name (a colour per resource on a terminal), host
/// messages prefixed with "apphost". Under the test host nothing is written, only kept in the host log.
/// </summary>
public sealed class HostOutput(bool writeToConsole)
{
    private static readonly ConsoleColor[] Palette =
        [ConsoleColor.Cyan, ConsoleColor.Magenta, ConsoleColor.Yellow, ConsoleColor.Green, ConsoleColor.Blue, ConsoleColor.DarkCyan];

    private readonly object gate = new();
    private readonly bool useColour = writeToConsole && !Console.IsOutputRedirected;
    private int nextColour;

    /// <summary>What the host itself reported (leftovers, failures, waits).</summary>
    public ResourceLog HostLog { get; } = new();

    /// <summary>Routes a resource's log lines to the console, prefixed with its name padded to <paramref name="width"/>.</summary>
    internal void Attach(ResourceLog log, string name, int width)
    {
        if (!writeToConsole)
        {
            return;
        }

        var colour = Palette[nextColour++ % Palette.Length];
        var prefix = name.PadRight(width) + " | ";
        log.Sink = line => Write(prefix, colour, line);
    }

    /// <summary>A line from the host about the graph.</summary>
    public void WriteHostLine(string line)
    {
        HostLog.Append(line);
        if (writeToConsole)
        {
            Write("apphost | ", ConsoleColor.White, line);
        }
    }

    /// <summary>Text written as is (the startup table).</summary>
    public void WriteBlock(string text)
    {
        HostLog.Append(text);
        if (writeToConsole)
        {
            lock (gate)
            {
                Console.Out.WriteLine(text);
            }
        }
    }

    private void Write(string prefix, ConsoleColor colour, string line)
    {
        lock (gate)
        {
            if (useColour)
            {
                Console.ForegroundColor = colour;
                Console.Out.Write(prefix);
                Console.ResetColor();
            }
            else
            {
                Console.Out.Write(prefix);
            }

            Console.Out.WriteLine(line);
        }
    }
}
