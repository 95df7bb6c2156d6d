using System.Text.RegularExpressions;
using AppHost.Hosting;

namespace LoadGenerator.Faults;

/// <summary>
/// Collects ExamApi's unhandled exceptions (the 500s) from its log while a scenario runs, to say where a 500 came
/// from. The log keeps only its last 500 lines and a database outage floods it with handled errors, so it is read
/// every 100 ms rather than once at the end; each distinct exception is kept once.
/// </summary>
internal sealed partial class UnhandledExceptionLog : IDisposable
{
    private const int MaxEntries = 10;
    private const int LinesPerEntry = 16;

    private readonly ResourceLog log;
    private readonly CancellationTokenSource stop = new();
    private readonly Dictionary<string, List<string>> entries = new(StringComparer.Ordinal);
    private readonly Task watching;

    public UnhandledExceptionLog(ResourceLog log)
    {
        this.log = log;
        watching = WatchAsync();
    }

    /// <summary>Stops watching and returns the entries, each a header line, the message and the start of the stack.</summary>
    public List<string> Stop()
    {
        stop.Cancel();
        watching.GetAwaiter().GetResult();
        Read();
        return [.. entries.Values.SelectMany(lines => lines)];
    }

    public void Dispose()
    {
        stop.Cancel();
        stop.Dispose();
    }

    private async Task WatchAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            Read();
            try
            {
                await Task.Delay(100, stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // ASP.NET Core's console logger writes "fail: Category[id]" (the level perhaps coloured) and then the message and
    // the stack indented below it, up to the next entry's level prefix.
    private void Read()
    {
        var lines = log.Tail(500).Select(line => AnsiEscape().Replace(line, "")).ToArray();
        for (var n = 0; n < lines.Length; n++)
        {
            if (!lines[n].Contains("ExceptionHandlerMiddleware[", StringComparison.Ordinal) && !lines[n].Contains("crit: ", StringComparison.Ordinal)) continue;
            var entry = new List<string> { lines[n] };
            for (var k = n + 1; k < lines.Length && !LevelPrefix().IsMatch(lines[k]) && entry.Count < LinesPerEntry; k++) entry.Add(lines[k]);
            // The message line after "An unhandled exception has occurred…" names the exception.
            var key = entry.Count > 2 ? entry[2] : entry[^1];
            if (entries.Count < MaxEntries) entries.TryAdd(key, entry);
        }
    }

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex AnsiEscape();

    [GeneratedRegex(@"(trce|dbug|info|warn|fail|crit): ")]
    private static partial Regex LevelPrefix();
}
