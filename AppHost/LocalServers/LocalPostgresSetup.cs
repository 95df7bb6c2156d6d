using System.Diagnostics;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;

namespace AppHost.LocalServers;

/// <summary>What <c>postgres-server.sh</c> runs: the server's bin folder and the user it runs as ("" for the AppHost's own).</summary>
internal sealed record LocalPostgresServer(string BinDirectory, string User);

/// <summary>
/// Everything a local PostgreSQL needs before it starts, done while Aspire still calls it Starting: a failure here
/// makes the resource FailedToStart with the reason in its log, and what waits for it fails too. (A server that fails
/// after it is Running would leave everything waiting for its health for ever: Aspire's waits do not notice an exit
/// then.)
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static class LocalPostgresSetup
{
    private const string ServerUser = "postgres";

    /// <summary>
    /// Finds the server, decides the user it runs as (PostgreSQL refuses root), makes the data folder reachable for that
    /// user, runs <c>initdb</c> once (password from the 0600 file, never an argument) and stops a postmaster an earlier
    /// run left on the data.
    /// </summary>
    public static async Task<LocalPostgresServer> PrepareAsync(
        LocalPostgresResource postgres, string? binDirectory, bool durable, ILogger log, CancellationToken cancellationToken)
    {
        var bin = FindServer(binDirectory) ?? throw new DistributedApplicationException(
            $"The PostgreSQL server (initdb, postgres) is not installed{(binDirectory is null ? "" : $" in {binDirectory} (AppHost:PostgresBinDirectory)")}: " +
            "install it (Debian/Ubuntu: apt-get install -y postgresql-15), put its bin folder on PATH, or run the graph with a container " +
            "runtime (AppHost:Servers=containers).");
        var user = Environment.UserName == "root" ? ServerUser : "";
        var data = Path.Combine(postgres.DataRoot, "data");
        var socket = Path.Combine(postgres.DataRoot, "run");
        Directory.CreateDirectory(socket);
        if (user.Length > 0)
        {
            if (!File.ReadLines("/etc/passwd").Any(line => line.StartsWith($"{ServerUser}:", StringComparison.Ordinal)))
            {
                throw new DistributedApplicationException(
                    $"PostgreSQL refuses to run as root and there is no '{ServerUser}' user to run it as: useradd --system {ServerUser}");
            }

            EnsureReachable(postgres.DataRoot);
            await RunAsync("chown", [ServerUser, socket], log, cancellationToken);
        }

        if (!postgres.IsInitialized) await InitializeAsync(bin, user, data, postgres.PasswordFile, durable, log, cancellationToken);
        await StopLeftoverServerProcessesAsync(data, log, cancellationToken);
        RemoveLockFilesOfADeadPostmaster(data, log);
        log.LogInformation("PostgreSQL {Version} from {Bin}, data in {Data}{User}", File.ReadAllText(Path.Combine(data, "PG_VERSION")).Trim(), bin, data,
            user.Length > 0 ? $", running as {user}" : "");
        return new LocalPostgresServer(bin, user);
    }

    /// <summary>The configured folder, else the one on PATH, else the newest under /usr/lib/postgresql (Debian keeps it off PATH).</summary>
    private static string? FindServer(string? binDirectory)
    {
        static bool HasServer(string directory) => File.Exists(Path.Combine(directory, "postgres")) && File.Exists(Path.Combine(directory, "initdb"));
        if (binDirectory is not null) return HasServer(binDirectory) ? Path.GetFullPath(binDirectory) : null;
        if (LocalServerFiles.FindOnPath("postgres") is { } onPath && HasServer(Path.GetDirectoryName(onPath)!)) return Path.GetDirectoryName(onPath);
        return Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(version => Path.Combine(version, "bin"))
                .Where(HasServer)
                .OrderByDescending(directory => int.TryParse(Path.GetFileName(Path.GetDirectoryName(directory)), out var major) ? major : 0)
                .FirstOrDefault()
            : null;
    }

    /// <summary>The server's user must be able to walk down to its data folder (a checkout under /root, mode 0700, is not).</summary>
    private static void EnsureReachable(string root)
    {
        for (var directory = Path.GetDirectoryName(root); directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if ((File.GetUnixFileMode(directory) & UnixFileMode.OtherExecute) == 0)
            {
                throw new DistributedApplicationException(
                    $"PostgreSQL runs as '{ServerUser}', which cannot enter {directory} (no o+x), so it cannot reach {root}. Move the data folder " +
                    $"with AppHost:DataDirectory (e.g. --AppHost:DataDirectory=/var/tmp/examdata) or run: chmod o+x {directory}");
            }
        }

        File.SetUnixFileMode(root, File.GetUnixFileMode(root) | UnixFileMode.OtherExecute);
    }

    private static async Task InitializeAsync(
        string bin, string user, string data, string passwordFile, bool durable, ILogger log, CancellationToken cancellationToken)
    {
        // No PG_VERSION: nothing yet, or an interrupted initdb that left nothing worth keeping.
        if (Directory.Exists(data)) Directory.Delete(data, recursive: true);
        Directory.CreateDirectory(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // initdb reads the password from a file its user can read; this copy is deleted right after.
        var initdbPassword = Path.Combine(Path.GetDirectoryName(data)!, "initdb-password");
        LocalServerFiles.WriteSecretFile(initdbPassword, File.ReadAllText(passwordFile).Trim());
        try
        {
            if (user.Length > 0) await RunAsync("chown", [user, data, initdbPassword], log, cancellationToken);
            log.LogInformation("Initializing {Data}", data);
            List<string> initdb = [Path.Combine(bin, "initdb"), "-D", data, "-U", ServerUser, "--auth=scram-sha-256", $"--pwfile={initdbPassword}",
                "--encoding=UTF8", "--locale=C"];
            if (!durable) initdb.Add("--no-sync");
            await RunAsync("setpriv", [.. SetprivOptions(user), "--", .. initdb], log, cancellationToken);
        }
        finally
        {
            File.Delete(initdbPassword);
        }
    }

    /// <summary>
    /// Server processes of an earlier run still on this data would make the new postmaster fail ("lock file exists",
    /// "shared memory block is still in use"): a postmaster whose orchestrator was killed before it could stop it, or
    /// backends that have not yet noticed that their killed postmaster is gone. They are the postgres processes whose
    /// working folder is this data folder; the postmaster is asked for a fast shutdown, the rest get 10 s, then SIGKILL.
    /// </summary>
    private static async Task StopLeftoverServerProcessesAsync(string data, ILogger log, CancellationToken cancellationToken)
    {
        var leftovers = LeftoverServerProcesses(data);
        if (leftovers.Count == 0) return;
        log.LogWarning("Stopping {Count} PostgreSQL process(es) an earlier run left on {Data}", leftovers.Count, data);
        if (File.Exists(Path.Combine(data, "postmaster.pid"))
            && int.TryParse(File.ReadLines(Path.Combine(data, "postmaster.pid")).FirstOrDefault(), out var postmaster) && leftovers.Contains(postmaster))
        {
            await RunAsync("kill", ["-INT", postmaster.ToString(System.Globalization.CultureInfo.InvariantCulture)], log, cancellationToken);
        }

        for (var wait = 0; wait < 100 && LeftoverServerProcesses(data).Count > 0; wait++) await Task.Delay(100, cancellationToken);
        foreach (var pid in LeftoverServerProcesses(data))
        {
            await RunAsync("kill", ["-KILL", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], log, cancellationToken);
        }
    }

    /// <summary>
    /// A killed postmaster whose parent (this script's wrapper) died with it is a zombie until init reaps it, and an init
    /// that does not reap (a container's) leaves it so: its process id still exists, and PostgreSQL refuses to start over
    /// its lock files ("Is another postmaster running?"). A zombie runs nothing, so its lock files are removed.
    /// </summary>
    private static void RemoveLockFilesOfADeadPostmaster(string data, ILogger log)
    {
        var lockFile = Path.Combine(data, "postmaster.pid");
        if (!File.Exists(lockFile) || !int.TryParse(File.ReadLines(lockFile).FirstOrDefault(), out var pid)) return;
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return;
        }

        if (!stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z')) return;
        log.LogWarning("Removing the lock files of postmaster {Pid}, which was killed (it is a zombie nobody has reaped)", pid);
        File.Delete(lockFile);
        // Its socket's lock file names it too; the socket itself is replaced by the next postmaster.
        var socket = Path.Combine(Path.GetDirectoryName(data)!, "run");
        foreach (var socketLock in Directory.Exists(socket) ? Directory.GetFiles(socket, ".s.PGSQL.*.lock") : [])
        {
            if (File.ReadLines(socketLock).FirstOrDefault()?.Trim() == pid.ToString(System.Globalization.CultureInfo.InvariantCulture)) File.Delete(socketLock);
        }
    }

    private static List<int> LeftoverServerProcesses(string data)
    {
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(directory, "comm")).Trim() == "postgres"
                    && new FileInfo(Path.Combine(directory, "cwd")).LinkTarget == data)
                {
                    found.Add(pid);
                }
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // Ended meanwhile, or not ours to look at.
            }
        }

        return found;
    }

    /// <summary>setpriv options that run a command as <paramref name="user"/> (none for the AppHost's own user).</summary>
    public static IEnumerable<string> SetprivOptions(string user)
    {
        if (user.Length == 0) return [];
        var fields = File.ReadLines("/etc/passwd").Select(line => line.Split(':')).Single(fields => fields[0] == user);
        return [$"--reuid={fields[2]}", $"--regid={fields[3]}", "--clear-groups"];
    }

    private static async Task RunAsync(string program, IEnumerable<string> arguments, ILogger log, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) startInfo.ArgumentList.Add(argument);
        using var process = Process.Start(startInfo) ?? throw new DistributedApplicationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        foreach (var line in (await output + await errors).Split('\n', StringSplitOptions.RemoveEmptyEntries)) log.LogInformation("{Line}", line);
        if (process.ExitCode != 0)
        {
            throw new DistributedApplicationException($"{Path.GetFileName(program)} failed with exit code {process.ExitCode} (its output is above).");
        }
    }
}
