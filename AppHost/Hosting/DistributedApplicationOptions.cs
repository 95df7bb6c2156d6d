namespace AppHost.Hosting;

/// <summary>How the graph runs: where its data lives, whether ports are fixed, how long stops may take.</summary>
public sealed class DistributedApplicationOptions
{
    /// <summary>The AppHost project directory; project paths in Program.cs are relative to it.</summary>
    public required string AppHostDirectory { get; init; }

    /// <summary>The build configuration whose outputs of the projects are started (the AppHost's own).</summary>
    public required string BuildConfiguration { get; init; }

    /// <summary>Root of the persistent data (Postgres data directory, passwords, process ledger).</summary>
    public required string DataDirectory { get; set; }

    /// <summary>True under the test host: every port random, no console output.</summary>
    public bool IsTesting { get; set; }

    /// <summary>
    /// Postgres flushes every commit to disk (the product's setting). The test host turns it off (fsync, synchronous
    /// commit and full-page writes) for speed; a benchmark on the test host turns it back on to measure the product.
    /// </summary>
    public bool DurablePostgres { get; set; } = true;

    /// <summary>ASPNETCORE_ENVIRONMENT / DOTNET_ENVIRONMENT given to projects.</summary>
    public string EnvironmentName { get; set; } = "Development";

    /// <summary>How long a resource may take to stop after the graceful signal before it is killed.</summary>
    public TimeSpan GracefulStopTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Timeout of one host-side health check.</summary>
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Interval between health checks once a resource has been healthy (checks run every 100 ms before).</summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Writes each resource's output to the console with its name as prefix.</summary>
    public bool WriteResourceOutputToConsole { get; set; } = true;

    /// <summary>Delete <see cref="DataDirectory"/> on dispose (the test host's fresh temporary folders).</summary>
    public bool DeleteDataDirectoryOnDispose { get; set; }
}
