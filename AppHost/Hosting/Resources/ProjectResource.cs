using AppHost.Hosting.Processes;

namespace AppHost.Hosting.Resources;

/// <summary>
/// A .NET service of this repository, started from its existing build output (<c>dotnet bin/{Configuration}/net10.0/X.dll</c>;
/// built once if that is missing) with Aspire's environment contract; healthy when <c>GET /health</c> answers 200.
/// </summary>
public sealed class ProjectResource : Resource
{
    private static readonly HttpClient HealthClient = new() { Timeout = Timeout.InfiniteTimeSpan };
    private int port;

    internal ProjectResource(string name, string projectPath) : base(name) => ProjectPath = projectPath;

    /// <inheritdoc/>
    public override string Kind => "Project";

    /// <summary>Absolute path of the .csproj.</summary>
    public string ProjectPath { get; }

    /// <summary>The HTTP port requested with WithHttpEndpoint (ignored under the test host); null for a free one.</summary>
    internal int? RequestedHttpPort { get; set; }

    /// <summary>Connection-string resources and projects this one references.</summary>
    internal List<object> References { get; } = [];

    /// <summary>Extra variables from WithEnvironment.</summary>
    internal Dictionary<string, string> ExtraEnvironment { get; } = new(StringComparer.Ordinal);

    /// <summary>Variables whose values are parameters, resolved when the project starts.</summary>
    internal Dictionary<string, ParameterResource> ParameterEnvironment { get; } = new(StringComparer.Ordinal);

    /// <summary>The service's base URL once prepared (<c>http://localhost:PORT</c>).</summary>
    public Uri? HttpEndpoint => port == 0 ? null : new Uri($"http://localhost:{port}");

    /// <inheritdoc/>
    public override string? Endpoint => HttpEndpoint?.ToString().TrimEnd('/');

    /// <summary>The environment given to the process at its last start (what the contract says it gets).</summary>
    public IReadOnlyDictionary<string, string> LastEnvironment { get; private set; } = new Dictionary<string, string>();

    internal override Task PrepareAsync(HostingContext context, CancellationToken cancellationToken)
    {
        if (port == 0)
        {
            port = context.Options.IsTesting ? LocalPorts.NextFree() : RequestedHttpPort ?? LocalPorts.NextFree();
        }

        return Task.CompletedTask;
    }

    internal override async Task<ManagedProcess?> LaunchAsync(HostingContext context, CancellationToken cancellationToken)
    {
        var assembly = await LocateBuildOutputAsync(context, cancellationToken);
        await LocalPorts.WaitUntilFreeAsync(port, TimeSpan.FromSeconds(10), cancellationToken);
        var command = new ProcessCommand("dotnet", [assembly]) { WorkingDirectory = Path.GetDirectoryName(ProjectPath) };
        foreach (var (key, value) in ProjectEnvironment.Build(this, context))
        {
            command.Environment[key] = value;
        }

        LastEnvironment = new Dictionary<string, string>(command.Environment);
        return ManagedProcess.Start(command, Log);
    }

    internal override async Task<HealthCheckOutcome> CheckHealthAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await HealthClient.GetAsync(new Uri(HttpEndpoint!, "/health"), cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return HealthCheckOutcome.Healthy();
            }

            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return HealthCheckOutcome.Unhealthy($"/health answered {(int)response.StatusCode}: {body[..Math.Min(body.Length, 300)]}");
        }
        catch (HttpRequestException ex)
        {
            return HealthCheckOutcome.Unhealthy(ex.Message);
        }
    }

    /// <summary>
    /// The dll of the AppHost's own build configuration. Building it here is the fallback for a project that was never
    /// built; normally the AppHost's build (which references the projects) has produced it already.
    /// </summary>
    private async Task<string> LocateBuildOutputAsync(HostingContext context, CancellationToken cancellationToken)
    {
        var projectDirectory = Path.GetDirectoryName(ProjectPath)!;
        var assemblyName = Path.GetFileNameWithoutExtension(ProjectPath);
        var configuration = context.Options.BuildConfiguration;
        var assembly = Path.Combine(projectDirectory, "bin", configuration, "net10.0", assemblyName + ".dll");
        if (!File.Exists(assembly))
        {
            context.Output.WriteHostLine($"{Name}: {assembly} not found; building {ProjectPath} ({configuration}) once");
            await new ProcessCommand("dotnet", ["build", ProjectPath, "-c", configuration, "--nologo", "-v", "q"])
                .RunToCompletionAsync(Log, cancellationToken);
        }

        return assembly;
    }
}
