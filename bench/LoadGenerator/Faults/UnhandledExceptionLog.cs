using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;
using GraphHost;
using Microsoft.Extensions.DependencyInjection;

namespace LoadGenerator.Faults;

/// <summary>
/// Collects a project's unhandled exceptions (the 500s) from its console log, as Aspire streams it (every replica's),
/// while a scenario runs, to say where a 500 came from. Each distinct exception is kept once, up to ten.
/// </summary>
internal sealed partial class UnhandledExceptionLog : IDisposable
{
    private const int MaxEntries = 10;
    private const int LinesPerEntry = 16;

    private readonly CancellationTokenSource stop = new();
    private readonly Dictionary<string, List<string>> entries = new(StringComparer.Ordinal);
    private readonly Task watching;
    private List<string>? current;

    public UnhandledExceptionLog(ExamGraph graph, string resource)
    {
        var logs = graph.App.Services.GetRequiredService<ResourceLoggerService>();
        var model = graph.App.Services.GetRequiredService<DistributedApplicationModel>();
        watching = WatchAsync(logs.WatchAsync(model.Resources.Single(r => r.Name == resource)));
    }

    /// <summary>Stops watching and returns the entries, each a header line, the message and the start of the stack.</summary>
    public List<string> Stop()
    {
        // Lines still on their way from the orchestrator get a moment; a replica's stream that ended (it was killed)
        // need not notice the cancellation, so the watch is not waited for beyond that.
        Thread.Sleep(TimeSpan.FromMilliseconds(500));
        stop.Cancel();
        watching.Wait(TimeSpan.FromSeconds(1));
        lock (entries)
        {
            Finish();
            return [.. entries.Values.SelectMany(lines => lines)];
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        stop.Dispose();
    }

    private async Task WatchAsync(IAsyncEnumerable<IReadOnlyList<LogLine>> lines)
    {
        try
        {
            await foreach (var batch in lines.WithCancellation(stop.Token))
            {
                lock (entries)
                {
                    foreach (var line in batch) Read(AnsiEscape().Replace(line.Content, ""));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    // ASP.NET Core's console logger writes "fail: Category[id]" and then the message and the stack indented below it, up
    // to the next entry's level prefix.
    private void Read(string line)
    {
        if (line.Contains("ExceptionHandlerMiddleware[", StringComparison.Ordinal) || line.Contains("crit: ", StringComparison.Ordinal))
        {
            Finish();
            current = [line];
        }
        else if (current is not null && (LevelPrefix().IsMatch(line) || current.Count >= LinesPerEntry))
        {
            Finish();
        }
        else
        {
            current?.Add(line);
        }
    }

    private void Finish()
    {
        if (current is null) return;
        // The message line after "An unhandled exception has occurred…" names the exception.
        var key = current.Count > 2 ? current[2] : current[^1];
        if (entries.Count < MaxEntries) entries.TryAdd(key, current);
        current = null;
    }

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex AnsiEscape();

    [GeneratedRegex(@"(trce|dbug|info|warn|fail|crit): ")]
    private static partial Regex LevelPrefix();
}
