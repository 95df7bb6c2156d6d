using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GraphHost;

namespace AppHost.Tests;

/// <summary>
/// <c>dotnet run --project AppHost</c> as a developer runs it (the http launch profile, the dashboard, the console), in a
/// session of its own so that a SIGINT to its process group is what Ctrl+C in a terminal sends, on free ports and a data
/// folder of the test's. Records every process of the graph while it runs, to find leftovers after it has stopped.
/// </summary>
internal sealed class AppHostProcess : IAsyncDisposable
{
    // What the developer's shell may set that would change the graph under test (external servers, keys, ports).
    private static readonly string[] InheritedConfigurationPrefixes = ["ConnectionStrings__", "Parameters__", "AppHost__", "ExamApi__", "ASPIRE_"];

    private readonly Process process;
    private readonly PortBlock ports;
    private readonly List<string> output = [];
    private readonly HashSet<ProcessIdentity> seen = [];

    private AppHostProcess(Process process, PortBlock ports, int dashboardPort, int examApiPort)
    {
        this.process = process;
        this.ports = ports;
        DashboardPort = dashboardPort;
        ExamApiPort = examApiPort;
    }

    public int DashboardPort { get; }

    public int ExamApiPort { get; }

    /// <summary>The process id of <c>dotnet run</c>, which leads the session.</summary>
    public int ProcessId => process.Id;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    public static AppHostProcess Start(string dataDirectory, int? examApiPort = null, params string[] arguments)
    {
        var (dashboard, otlpGrpc, otlpHttp, resourceService) = (FreePort(), FreePort(), FreePort(), FreePort());
        var apiPort = examApiPort ?? FreePort();
        var startInfo = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot,
        };
        // env --default-signal=INT: a test runner started from a non-interactive shell (a CI job, `cmd &`) hands SIGINT
        // down ignored, and .NET leaves an ignored SIGINT ignored; a terminal's Ctrl+C reaches a process that handles it.
        foreach (var argument in new[]
        {
            "env", "--default-signal=INT", "dotnet", "run", "--project", "AppHost", "--no-build", "-c", BuildConfiguration, "--",
            $"--AppHost:DataDirectory={dataDirectory}", $"--ExamApi:HttpPort={apiPort}",
            $"--ASPNETCORE_URLS=http://localhost:{dashboard}",
            $"--ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://localhost:{otlpGrpc}",
            $"--ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL=http://localhost:{otlpHttp}",
            $"--ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL=http://localhost:{resourceService}",
        }.Concat(arguments))
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var key in startInfo.Environment.Keys.Where(key =>
            InheritedConfigurationPrefixes.Any(prefix => key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))).ToList())
        {
            startInfo.Environment.Remove(key);
        }

        // The servers' and projects' own ports come from a block no graph of another test allocates from.
        var ports = PortBlock.Take();
        startInfo.Environment["ASPIRE_PROXYLESS_ENDPOINT_PORT_RANGE"] = ports.Range;

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var run = new AppHostProcess(process, ports, dashboard, apiPort);
        process.OutputDataReceived += (_, e) => run.Record(e.Data);
        process.ErrorDataReceived += (_, e) => run.Record(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return run;
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (output) return [.. output];
        }
    }

    /// <summary>Waits for a console line containing <paramref name="text"/>; fails with the output so far if the AppHost ends first.</summary>
    public async Task<string> WaitForLineAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Lines.FirstOrDefault(line => line.Contains(text, StringComparison.Ordinal)) is { } found) return found;
            if (process.HasExited) break;
            await Task.Delay(100);
        }

        throw new TimeoutException($"No line with '{text}' within {timeout.TotalSeconds:F0} s (AppHost exited: {process.HasExited}). " +
            $"Output:{Environment.NewLine}{string.Join(Environment.NewLine, Lines.TakeLast(60))}");
    }

    /// <summary>
    /// Records the graph's processes now: <c>dotnet run</c>, the AppHost, and the orchestrator (which detaches into a
    /// session of its own) with everything it started.
    /// </summary>
    public IReadOnlyCollection<int> RecordProcesses()
    {
        var appHost = Processes.WithDescendants(process.Id);
        var orchestrators = Processes.All()
            .Where(other => appHost.Any(pid => other.CommandLine.Contains($"--monitor {pid} ", StringComparison.Ordinal)))
            .SelectMany(other => Processes.WithDescendants(other.Pid));
        lock (seen)
        {
            seen.UnionWith(appHost.Concat(orchestrators).Select(ProcessIdentity.Of).OfType<ProcessIdentity>());
            return [.. seen.Select(process => process.Pid)];
        }
    }

    /// <summary>The AppHost process itself (the child of <c>dotnet run</c> running AppHost.dll).</summary>
    public int AppHostProcessId() =>
        Processes.WithDescendants(process.Id).Single(pid => Processes.CommandLine(pid) is { } commandLine
            && commandLine.Contains($"/AppHost/bin/{BuildConfiguration}/", StringComparison.Ordinal));

    /// <summary>Sends a signal: SIGINT to the whole session (a terminal's Ctrl+C), SIGTERM to <c>dotnet run</c> only (kill PID).</summary>
    public void Signal(string signal)
    {
        var target = signal == "INT" ? $"-{process.Id}" : process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var kill = Process.Start("kill", ["-s", signal, "--", target])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The AppHost did not exit within {timeout.TotalSeconds:F0} s. Output:{Environment.NewLine}" +
                string.Join(Environment.NewLine, Lines.TakeLast(40)));
        }
    }

    /// <summary>Waits until every recorded process has ended; returns the ones still alive after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<string>> SurvivorsAfterAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var alive = RecordedAlive();
            if (alive.Count == 0 || clock.Elapsed > timeout) return alive;
            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // After a failure: SIGKILL whatever of this run is still alive (recorded processes only, never anything else).
        if (!process.HasExited)
        {
            RecordProcesses();
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        List<ProcessIdentity> recorded;
        lock (seen) recorded = [.. seen];
        foreach (var survivor in recorded) Processes.Kill(survivor);

        process.Dispose();
        ports.Dispose();
    }

    /// <summary>
    /// A value the AppHost keeps in its user secrets (a generated parameter such as <c>Parameters:admin-key</c>), read
    /// as a developer reads it with <c>dotnet user-secrets list --project AppHost</c>.
    /// </summary>
    public static string UserSecret(string key)
    {
        var secrets = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
            ".microsoft", "usersecrets", "6d3f0c2e-8b1a-4c7e-9a55-3f2d1e0b7c41", "secrets.json");
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(secrets));
        return document.RootElement.GetProperty(key).GetString() ?? throw new InvalidOperationException($"The AppHost's user secrets have no '{key}'.");
    }

    public static string BuildConfiguration =>
        typeof(AppHostProcess).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
            .Cast<System.Reflection.AssemblyConfigurationAttribute>().Single().Configuration;

    public static string RepositoryRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Aspire.sln"))) directory = directory.Parent;
            return directory?.FullName ?? throw new InvalidOperationException("The repository root (Aspire.sln) is not above the test's folder.");
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private List<string> RecordedAlive()
    {
        lock (seen)
        {
            return seen.Where(process => process.IsAlive).Select(process => $"{process.Pid} {Processes.CommandLine(process.Pid)}").ToList();
        }
    }

    private void Record(string? line)
    {
        if (line is null) return;
        lock (output) output.Add(line);
    }
}
