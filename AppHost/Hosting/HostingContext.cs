using AppHost.Hosting.Processes;
using Microsoft.Extensions.Configuration;

namespace AppHost.Hosting;

/// <summary>What resources need from the host while starting: options, configuration, data folder, process ledger, output.</summary>
internal sealed class HostingContext(DistributedApplicationOptions options, IConfiguration configuration, ProcessLedger ledger, HostOutput output)
{
    public DistributedApplicationOptions Options { get; } = options;

    public IConfiguration Configuration { get; } = configuration;

    public ProcessLedger Ledger { get; } = ledger;

    public HostOutput Output { get; } = output;

    /// <summary>The data folder of one resource (created on first use).</summary>
    public string ResourceDirectory(string resourceName)
    {
        var directory = Path.Combine(Options.DataDirectory, resourceName);
        Directory.CreateDirectory(directory);
        return directory;
    }
}
