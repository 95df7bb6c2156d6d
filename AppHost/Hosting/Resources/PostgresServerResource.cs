using AppHost.Hosting.Processes;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace AppHost.Hosting.Resources;

/// <summary>
/// A PostgreSQL 15 server: <c>initdb</c> (scram-sha-256, password from a 0600 file) into a data directory under the
/// data folder, the password persisted beside the data and reused on every later run, <c>postgres</c> on 127.0.0.1 and a
/// free port with its socket in the data folder. As root it runs as Debian's <c>postgres</c> user (PostgreSQL
/// refuses root). With <c>ConnectionStrings:{name}</c> configured an existing server is used instead.
/// </summary>
public sealed class PostgresServerResource : RunnableResource, IResourceWithConnectionString
{
    private const string Host = "127.0.0.1";
    private const string SuperUser = "postgres";
    private string host = Host;
    private int port;

    internal PostgresServerResource(string name) : base(name) =>
        PasswordParameter = new ParameterResource($"{name}-password", secret: true, PersistedOrGeneratedPassword);

    /// <inheritdoc/>
    public override string Kind => IsExternal ? "PostgreSQL (external)" : "PostgreSQL";

    /// <summary>The password parameter, <c>{name}-password</c>: configured, else persisted beside the data, else generated once.</summary>
    public ParameterResource PasswordParameter { get; }

    /// <summary>True when an existing server from configuration is used.</summary>
    public bool IsExternal { get; private set; }

    /// <summary>The data directory (PGDATA) once prepared.</summary>
    public string? DataDirectory { get; private set; }

    /// <summary>The file holding the generated password (0600), beside the data directory.</summary>
    public string? PasswordFile { get; private set; }

    /// <summary>The user name clients log in with.</summary>
    public string UserName { get; private set; } = SuperUser;

    /// <summary>The password once prepared.</summary>
    public string? Password { get; private set; }

    /// <summary>The host clients connect to.</summary>
    public string HostName => host;

    /// <summary>The port once prepared.</summary>
    public int Port => port;

    /// <summary>Fixed port, or null for a free one.</summary>
    internal int? RequestedPort { get; set; }

    /// <inheritdoc/>
    public string? ConnectionString { get; private set; }

    /// <inheritdoc/>
    public override string? Endpoint => port == 0 ? null : $"{host}:{port}";

    /// <inheritdoc/>
    public IReadOnlyList<KeyValuePair<string, string>> ConnectionProperties =>
    [
        new("HOST", host),
        new("PORT", port.ToString()),
        new("USERNAME", UserName),
        new("PASSWORD", Password ?? string.Empty),
        new("URI", $"postgresql://{Uri.EscapeDataString(UserName)}:{Uri.EscapeDataString(Password ?? string.Empty)}@{host}:{port}"),
    ];

    internal override int GracefulStopSignal => UnixSignals.SIGINT; // "fast" shutdown; SIGTERM waits for clients to leave

    internal override bool LaunchesProcess => !IsExternal;

    private UnixAccount? RunAs { get; set; }

    private string? SocketDirectory { get; set; }

    internal override async Task PrepareAsync(HostingContext context, CancellationToken cancellationToken)
    {
        if (ConnectionString is not null)
        {
            // Prepared by an earlier start of this run: same password and port, data already there.
            await StopLeftoverPostmasterAsync(context);
            return;
        }

        var external = context.Configuration.GetConnectionString(Name);
        if (!string.IsNullOrWhiteSpace(external))
        {
            UseExternal(external);
            return;
        }

        var root = context.ResourceDirectory(Name);
        // The postgres user must be able to reach its data directory through this folder.
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        DataDirectory = Path.Combine(root, "data");
        SocketDirectory = Path.Combine(root, "run");
        PasswordFile = Path.Combine(root, "password");
        RunAs = UnixSignals.IsRoot
            ? UnixAccount.Find(SuperUser) ?? throw new InvalidOperationException(
                "PostgreSQL refuses to run as root and there is no 'postgres' user to run it as (useradd --system postgres).")
            : null;

        if (RunAs is not null)
        {
            EnsureReachableBy(RunAs, root);
        }

        Password = PasswordParameter.Resolve(context.Configuration);
        if (!IsInitialized)
        {
            await InitializeDataDirectoryAsync(context, cancellationToken);
        }

        Directory.CreateDirectory(SocketDirectory);
        RunAs?.Own(SocketDirectory);
        await StopLeftoverPostmasterAsync(context);
        port = RequestedPort ?? LocalPorts.NextFree();
        ConnectionString = $"Host={host};Port={port};Username={UserName};Password={Password}";
    }

    internal override async Task<ManagedProcess?> LaunchAsync(HostingContext context, CancellationToken cancellationToken)
    {
        if (IsExternal)
        {
            return null;
        }

        await LocalPorts.WaitUntilFreeAsync(port, TimeSpan.FromSeconds(10), cancellationToken);
        List<string> arguments = ["-D", DataDirectory!, "-p", port.ToString(), "-c", $"listen_addresses={Host}", "-k", SocketDirectory!];
        if (!context.Options.DurablePostgres)
        {
            // Throwaway test clusters: durability costs time and protects nothing.
            arguments.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }

        return ManagedProcess.Start(new ProcessCommand("postgres", arguments) { RunAs = RunAs }, Log);
    }

    internal override async Task<HealthCheckOutcome> CheckHealthAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(AdminConnectionString("postgres"));
            await connection.OpenAsync(cancellationToken);
            return HealthCheckOutcome.Healthy();
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InvalidPassword)
        {
            return HealthCheckOutcome.Unhealthy(
                $"password authentication failed: the data in {DataDirectory} was initialized with another password than " +
                $"{(PasswordParameter.IsConfigured ? $"Parameters:{PasswordParameter.Name}" : PasswordFile)}");
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException)
        {
            return HealthCheckOutcome.Unhealthy(ex.Message);
        }
    }

    /// <summary>A non-pooled connection string for the host's own checks and database creation.</summary>
    internal string AdminConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(ConnectionString) { Database = database, Pooling = false, Timeout = 3 }.ConnectionString;

    /// <summary>
    /// The data directory inside e.g. /root (mode 0700) cannot be reached by the postgres user: say so, instead of
    /// letting initdb fail with "Permission denied".
    /// </summary>
    private static void EnsureReachableBy(UnixAccount account, string directory)
    {
        for (var current = Path.GetDirectoryName(directory); current is not null; current = Path.GetDirectoryName(current))
        {
            if ((File.GetUnixFileMode(current) & UnixFileMode.OtherExecute) == 0)
            {
                throw new InvalidOperationException(
                    $"PostgreSQL runs as '{account.Name}', which cannot enter {current} (no o+x), so it cannot reach {directory}. " +
                    "Point the data folder elsewhere with AppHost:DataDirectory (e.g. --AppHost:DataDirectory=/var/tmp/examdata) " +
                    $"or run: chmod o+x {current}");
            }
        }
    }

    private bool IsInitialized => File.Exists(Path.Combine(DataDirectory!, "PG_VERSION"));

    /// <summary>
    /// The password of existing data is read back, never regenerated: a new password against an old data directory
    /// is the "28P01 password authentication failed" every Aspire user has met once.
    /// </summary>
    private string PersistedOrGeneratedPassword()
    {
        if (File.Exists(PasswordFile))
        {
            return File.ReadAllText(PasswordFile).Trim();
        }

        if (IsInitialized)
        {
            throw new InvalidOperationException(
                $"{DataDirectory} holds data but its password file {PasswordFile} is missing: set Parameters:{PasswordParameter.Name} " +
                $"to the password the data was initialized with, or delete {Path.GetDirectoryName(DataDirectory)} to start over.");
        }

        var password = SecretFile.GeneratePassword();
        SecretFile.Write(PasswordFile!, password);
        return password;
    }

    private void UseExternal(string connectionString)
    {
        IsExternal = true;
        var parsed = new NpgsqlConnectionStringBuilder(connectionString);
        host = parsed.Host ?? Host;
        port = parsed.Port;
        UserName = parsed.Username ?? SuperUser;
        Password = parsed.Password;
        parsed.Database = null;
        ConnectionString = parsed.ConnectionString;
    }

    private async Task InitializeDataDirectoryAsync(HostingContext context, CancellationToken cancellationToken)
    {
        // A directory without PG_VERSION is an interrupted initdb: nothing in it is worth keeping.
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }

        Directory.CreateDirectory(DataDirectory!, (UnixFileMode)0b111_000_000);
        RunAs?.Own(DataDirectory!);
        var passwordFile = Path.Combine(Path.GetDirectoryName(DataDirectory)!, "initdb-password");
        SecretFile.Write(passwordFile, Password!, RunAs);
        try
        {
            List<string> arguments = ["-D", DataDirectory!, "-U", SuperUser, "--auth=scram-sha-256", $"--pwfile={passwordFile}",
                "--encoding=UTF8", "--locale=C"];
            if (!context.Options.DurablePostgres)
            {
                arguments.Add("--no-sync");
            }

            await new ProcessCommand("initdb", arguments) { RunAs = RunAs }.RunToCompletionAsync(Log, cancellationToken);
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    /// <summary>
    /// A postmaster still running on this data directory (a crashed run whose ledger was lost) would make the new one
    /// fail; it is stopped only when postmaster.pid names a live process whose command line names this directory.
    /// </summary>
    private async Task StopLeftoverPostmasterAsync(HostingContext context)
    {
        var pidFile = Path.Combine(DataDirectory ?? string.Empty, "postmaster.pid");
        if (IsExternal || !File.Exists(pidFile) || !int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid))
        {
            return;
        }

        string commandLine;
        try
        {
            commandLine = (await File.ReadAllTextAsync($"/proc/{pid}/cmdline")).Replace('\0', ' ');
        }
        catch (IOException)
        {
            return;
        }

        if (!commandLine.Contains("postgres") || !commandLine.Contains(DataDirectory!))
        {
            return;
        }

        context.Output.WriteHostLine($"{Name}: stopping leftover postmaster {pid} on {DataDirectory}");
        var leftover = ProcessIdentity.Of(pid);
        UnixSignals.Send(pid, UnixSignals.SIGINT);
        for (var i = 0; i < 100 && leftover.IsAlive(); i++)
        {
            await Task.Delay(100);
        }

        foreach (var member in ProcessIdentity.SessionAndDescendants(pid).Append(pid))
        {
            UnixSignals.Send(member, UnixSignals.SIGKILL);
        }
    }
}
