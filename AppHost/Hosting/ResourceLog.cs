namespace AppHost.Hosting;

/// <summary>The most recent output lines of one resource (its process output and what the host says about it).</summary>
public sealed class ResourceLog(int capacity = 500)
{
    private readonly Queue<string> lines = new();
    private readonly object gate = new();
    private ResourceLog? forwardTo;
    private string forwardPrefix = string.Empty;

    /// <summary>Called for every line, after it is stored (the console writer in <c>dotnet run</c>).</summary>
    internal Action<string>? Sink { get; set; }

    /// <summary>Appends one line, dropping the oldest beyond the capacity.</summary>
    public void Append(string line)
    {
        lock (gate)
        {
            if (lines.Count == capacity)
            {
                lines.Dequeue();
            }

            lines.Enqueue(line);
        }

        Sink?.Invoke(line);
        forwardTo?.Append(forwardPrefix + line);
    }

    /// <summary>Also appends every later line to <paramref name="target"/>, prefixed (a replica's lines in its project's log).</summary>
    internal void ForwardTo(ResourceLog target, string prefix)
    {
        forwardTo = target;
        forwardPrefix = prefix;
    }

    /// <summary>The last <paramref name="count"/> lines, oldest first.</summary>
    public IReadOnlyList<string> Tail(int count = 20)
    {
        lock (gate)
        {
            return lines.Skip(Math.Max(0, lines.Count - count)).ToArray();
        }
    }

    /// <summary>The last lines indented for an error message.</summary>
    public string FormatTail(int count = 20)
    {
        var tail = Tail(count);
        return tail.Count == 0 ? "    (no output)" : string.Join(Environment.NewLine, tail.Select(line => "    " + line));
    }
}
