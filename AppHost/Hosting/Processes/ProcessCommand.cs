using System.Diagnostics;

namespace AppHost.Hosting.Processes;

/// <summary>
/// A command line to start for a resource. Every process is started through <c>setsid</c> so that Ctrl+C in the
/// terminal reaches only the AppHost (which then stops resources in order) and so the process and all its children
/// share a session id the host can find them by; <c>setsid</c> and <c>setpriv</c> exec in place, so the PID the host
/// sees is the server's own.
/// </summary>
internal sealed class ProcessCommand(string fileName, IEnumerable<string> arguments)
{
    public string FileName { get; } = fileName;

    public IReadOnlyList<string> Arguments { get; } = arguments.ToArray();

    public string? WorkingDirectory { get; init; }

    /// <summary>Runs the command as this user (when the host is root and the program refuses root, like postgres).</summary>
    public UnixAccount? RunAs { get; init; }

    /// <summary>Variables set on top of the host's environment (minus the host's own secrets and wiring).</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    // Inherited variables of these kinds belong to the AppHost itself (its parameters, its external connection
    // strings, its telemetry target); a child gets only what the host sets for it explicitly.
    private static readonly string[] HostOnlyPrefixes = ["Parameters__", "ConnectionStrings__", "services__", "OTEL_"];

    public ProcessStartInfo ToStartInfo(bool newSession = true)
    {
        var startInfo = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = WorkingDirectory ?? string.Empty,
        };

        var prefix = new List<string>();
        if (newSession)
        {
            prefix.Add("setsid");
        }

        if (RunAs is not null)
        {
            prefix.AddRange(["setpriv", $"--reuid={RunAs.UserId}", $"--regid={RunAs.GroupId}", "--init-groups", "--"]);
        }

        var all = prefix.Concat([FileName]).Concat(Arguments).ToList();
        startInfo.FileName = all[0];
        foreach (var argument in all.Skip(1))
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var key in startInfo.Environment.Keys.ToList())
        {
            if (HostOnlyPrefixes.Any(hostOnly => key.StartsWith(hostOnly, StringComparison.OrdinalIgnoreCase)))
            {
                startInfo.Environment.Remove(key);
            }
        }

        foreach (var (key, value) in Environment)
        {
            startInfo.Environment[key] = value;
        }

        return startInfo;
    }

    public override string ToString() => string.Join(' ', new[] { FileName }.Concat(Arguments));

    /// <summary>Runs a short command to completion (initdb, dotnet build), sending its output to <paramref name="log"/>.</summary>
    public async Task RunToCompletionAsync(ResourceLog log, CancellationToken cancellationToken)
    {
        using var process = new Process { StartInfo = ToStartInfo(newSession: false) };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { log.Append(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { log.Append(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{FileName}' exited with code {process.ExitCode}:{System.Environment.NewLine}{log.FormatTail(15)}");
        }
    }
}
