using System.Diagnostics;

namespace AppHost.Hosting.Processes;

/// <summary>A long-running resource process: its output goes to the resource log; it can be stopped gracefully or killed.</summary>
internal sealed class ManagedProcess : IDisposable
{
    private readonly Process process;

    private ManagedProcess(Process process, ProcessIdentity identity)
    {
        this.process = process;
        Identity = identity;
        Exited = WaitForExitAsync();
    }

    public int Id => Identity.ProcessId;

    public ProcessIdentity Identity { get; }

    /// <summary>Completes with the exit code when the process has exited (128 + signal when killed by a signal).</summary>
    public Task<int> Exited { get; }

    public static ManagedProcess Start(ProcessCommand command, ResourceLog log)
    {
        var process = new Process { StartInfo = command.ToStartInfo(), EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { log.Append(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { log.Append(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ManagedProcess(process, ProcessIdentity.Of(process.Id));
    }

    /// <summary>Sends the graceful signal, waits up to <paramref name="timeout"/>, then kills the whole session.</summary>
    public async Task<int> StopAsync(int gracefulSignal, TimeSpan timeout)
    {
        if (!Exited.IsCompleted)
        {
            UnixSignals.Send(Id, gracefulSignal);
            await Task.WhenAny(Exited, Task.Delay(timeout));
        }

        if (!Exited.IsCompleted)
        {
            Kill();
        }

        return await Exited;
    }

    /// <summary>SIGKILL to the process, every process of its session and their descendants (e.g. PostgreSQL's backends).</summary>
    public void Kill()
    {
        if (Exited.IsCompleted)
        {
            return;
        }

        foreach (var member in ProcessIdentity.SessionAndDescendants(Id))
        {
            UnixSignals.Send(member, UnixSignals.SIGKILL);
        }

        UnixSignals.Send(Id, UnixSignals.SIGKILL);
    }

    public void Dispose() => process.Dispose();

    private async Task<int> WaitForExitAsync()
    {
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}
