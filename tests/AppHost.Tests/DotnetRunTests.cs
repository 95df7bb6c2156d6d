using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using AppHost.Hosting;
using AppHost.Hosting.Processes;

namespace AppHost.Tests;

/// <summary>
/// The <c>dotnet run</c> path, which the test host bypasses: the built AppHost executable as a child process, with a
/// fresh data folder and a free ExamApi port (never a developer's 5300), from its console output to a signal and an
/// exit that leaves none of its processes behind.
/// </summary>
public sealed class DotnetRunTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);
    private static readonly string[] ResourceNames = ["cache", "postgres", "examdb", "examapi", "cleanupworker"];

    // What the developer's shell may set that would change the graph under test (external servers, keys, ports).
    private static readonly string[] AppHostConfigurationPrefixes = ["ConnectionStrings__", "Parameters__", "AppHost__", "ExamApi__"];

    private readonly string dataDirectory = Directory.CreateTempSubdirectory("apphost-run-").FullName;
    private readonly List<string> output = [];

    [Theory]
    [InlineData("SIGTERM", UnixSignals.SIGTERM)]
    [InlineData("SIGINT", UnixSignals.SIGINT)]
    public async Task AppHostExecutableReportsEveryResourceHealthyAndStopsEverythingOnSignal(string signalName, int signal)
    {
        // PostgreSQL runs as its own user when the tests run as root and must be able to enter the data folder.
        File.SetUnixFileMode(dataDirectory, (UnixFileMode)0b111_101_101);
        var port = LocalPorts.NextFree();
        var healthyLine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var appHost = new Process { StartInfo = StartInfo(port), EnableRaisingEvents = true };
        appHost.OutputDataReceived += (_, e) => Record(e.Data, healthyLine);
        appHost.ErrorDataReceived += (_, e) => Record(e.Data, healthyLine);
        var started = false;
        try
        {
            started = appHost.Start();
            appHost.BeginOutputReadLine();
            appHost.BeginErrorReadLine();
            await WaitAsync(Task.WhenAny(healthyLine.Task, appHost.WaitForExitAsync()), StartTimeout, "the startup report");
            var lines = Lines();
            Assert.Contains(lines, line => line.StartsWith("apphost | all resources healthy", StringComparison.Ordinal));

            foreach (var name in ResourceNames)
            {
                Assert.Contains(lines, line => Regex.IsMatch(line, $@"^{name} +\S.* +Running +Healthy +\S"));
                Assert.Contains(lines, line => Regex.IsMatch(line, $@"^{name} +\| "));
            }

            Assert.Contains(lines, line => Regex.IsMatch(line, $@"^examapi +Project +Running +Healthy +http://localhost:{port}$"));
            AssertReportShowsTheAdminKeyButNoSecret(lines);

            using (var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) })
            using (var health = await client.GetAsync($"http://localhost:{port}/health"))
            {
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            }

            var ledger = ReadLedger();
            Assert.Equal(["cache", "cleanupworker", "examapi", "postgres"], ledger.Select(entry => entry.Resource).Order());
            Assert.All(ledger, entry => Assert.True(entry.Identity.IsAlive(), $"{entry.Resource} ({entry.Identity.ProcessId}) is not running"));
            // Identities taken now, while the tree is intact: a backend orphaned by a dying postmaster would be
            // re-parented and in a session of its own, out of reach of any search from the recorded PIDs afterwards.
            var tree = ledger.SelectMany(entry => ProcessIdentity.SessionAndDescendants(entry.Identity.ProcessId)).Select(ProcessIdentity.Of).Where(process => process.StartTime != 0).ToList();
            Assert.True(tree.Count > ledger.Count + 2, $"expected PostgreSQL's backends among {tree.Count} processes");

            Assert.True(UnixSignals.Send(appHost.Id, signal), $"could not send {signalName} to the AppHost");
            await WaitAsync(appHost.WaitForExitAsync(), ExitTimeout, $"the AppHost to exit after {signalName}");

            Assert.Equal(0, appHost.ExitCode);
            Assert.Contains("apphost | all resources stopped", Lines());
            Assert.Empty(ProcessCheck.Survivors(ledger.Select(entry => entry.Identity)));
            Assert.DoesNotContain(tree, process => process.IsAlive());
            Assert.False(File.Exists(LedgerPath), "a clean stop leaves no process ledger");
        }
        finally
        {
            if (started)
            {
                await StopLeftoversAsync(appHost);
            }
        }
    }

    public void Dispose() => Directory.Delete(dataDirectory, recursive: true);

    private string LedgerPath => Path.Combine(dataDirectory, "apphost.pids");

    private ProcessStartInfo StartInfo(int examApiPort)
    {
        var options = DistributedApplicationBuilder.DefaultOptions();
        var appHostAssembly = Path.Combine(options.AppHostDirectory, "bin", options.BuildConfiguration, "net10.0", "AppHost.dll");
        Assert.True(File.Exists(appHostAssembly), $"{appHostAssembly} is missing: build the AppHost first");

        // Through env --default-signal=INT: a test runner started from a non-interactive shell (a CI job, `cmd &`)
        // hands SIGINT down ignored, and .NET leaves an ignored SIGINT ignored, so the AppHost would never see it.
        var startInfo = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dataDirectory,
        };
        foreach (var argument in new[]
        {
            "--default-signal=INT", "dotnet", appHostAssembly,
            $"--AppHost:DataDirectory={dataDirectory}", $"--AppHost:HttpPorts:examapi={examApiPort}",
        })
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var key in startInfo.Environment.Keys.Where(key =>
            AppHostConfigurationPrefixes.Any(prefix => key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))).ToList())
        {
            startInfo.Environment.Remove(key);
        }

        return startInfo;
    }

    private void AssertReportShowsTheAdminKeyButNoSecret(IReadOnlyList<string> lines)
    {
        var parameters = Path.Combine(dataDirectory, "parameters");
        var adminKey = File.ReadAllText(Path.Combine(parameters, "admin-key")).Trim();
        Assert.Contains($"  admin-key: {adminKey} (cat {Path.Combine(parameters, "admin-key")})", lines);
        Assert.Contains($"  session-key: cat {Path.Combine(parameters, "session-key")}", lines);

        string[] secrets =
        [
            File.ReadAllText(Path.Combine(parameters, "session-key")).Trim(),
            File.ReadAllText(Path.Combine(dataDirectory, "cache", "password")).Trim(),
            File.ReadAllText(Path.Combine(dataDirectory, "postgres", "password")).Trim(),
        ];
        Assert.All(secrets, secret => Assert.DoesNotContain(lines, line => line.Contains(secret, StringComparison.Ordinal)));
    }

    private IReadOnlyList<(ProcessIdentity Identity, string Resource)> ReadLedger() =>
        File.ReadAllLines(LedgerPath)
            .Select(line => line.Split(' '))
            .Select(fields => (new ProcessIdentity(int.Parse(fields[0]), long.Parse(fields[1])), fields[2]))
            .ToList();

    private void Record(string? line, TaskCompletionSource healthyLine)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.Add(line);
        }

        if (line.StartsWith("apphost | all resources healthy", StringComparison.Ordinal)
            || line.StartsWith("apphost | some resources did not start", StringComparison.Ordinal))
        {
            healthyLine.TrySetResult();
        }
    }

    private IReadOnlyList<string> Lines()
    {
        lock (output)
        {
            return output.ToArray();
        }
    }

    private async Task WaitAsync(Task task, TimeSpan timeout, string what)
    {
        if (await Task.WhenAny(task, Task.Delay(timeout)) != task)
        {
            throw new TimeoutException($"No {what} within {timeout.TotalSeconds:F0} s. AppHost output so far:{Environment.NewLine}" +
                string.Join(Environment.NewLine, Lines().TakeLast(40)));
        }
    }

    /// <summary>
    /// After a failure: SIGKILL the AppHost and whatever it started (its process tree, and the sessions in its ledger,
    /// which outlive an AppHost that died); only PIDs whose start time still matches are touched.
    /// </summary>
    private async Task StopLeftoversAsync(Process appHost)
    {
        if (!appHost.HasExited)
        {
            appHost.Kill(entireProcessTree: true);
            await appHost.WaitForExitAsync();
        }

        var ledger = File.Exists(LedgerPath) ? ReadLedger() : [];
        foreach (var (identity, _) in ledger.Where(entry => entry.Identity.IsAlive()))
        {
            foreach (var member in ProcessIdentity.SessionAndDescendants(identity.ProcessId))
            {
                UnixSignals.Send(member, UnixSignals.SIGKILL);
            }
        }
    }
}
