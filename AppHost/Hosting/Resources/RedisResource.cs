using AppHost.Hosting.Processes;
using Microsoft.Extensions.Configuration;

namespace AppHost.Hosting.Resources;

/// <summary>
/// A Redis server: <c>redis-server</c> from PATH on 127.0.0.1 and a free port, password from a 0600 config file, no
/// persistence; Garnet (pinned local dotnet tool) when redis-server is not installed; or an existing server when
/// <c>ConnectionStrings:{name}</c> is configured (then nothing is started).
/// </summary>
public sealed class RedisResource : RunnableResource, IResourceWithConnectionString
{
    private const string Host = "127.0.0.1";
    private string? externalHost;
    private int port;

    internal RedisResource(string name) : base(name) =>
        PasswordParameter = new ParameterResource($"{name}-password", secret: true, SecretFile.GeneratePassword);

    /// <inheritdoc/>
    public override string Kind => IsExternal ? "Redis (external)" : UsesGarnet ? "Redis (Garnet)" : "Redis";

    /// <summary>The generated (or configured) password parameter, <c>{name}-password</c>.</summary>
    public ParameterResource PasswordParameter { get; }

    /// <summary>The port once prepared.</summary>
    public int Port => port;

    /// <summary>The password once prepared (null for an external server without one).</summary>
    public string? Password { get; private set; }

    /// <summary>True when an existing server from configuration is used.</summary>
    public bool IsExternal { get; private set; }

    /// <summary>True when Garnet stands in for a missing redis-server.</summary>
    public bool UsesGarnet { get; private set; }

    /// <summary>Fixed port, or null for a free one.</summary>
    internal int? RequestedPort { get; set; }

    /// <inheritdoc/>
    public string? ConnectionString { get; private set; }

    /// <inheritdoc/>
    public override string? Endpoint => port == 0 ? null : $"{externalHost ?? Host}:{port}";

    /// <inheritdoc/>
    public IReadOnlyList<KeyValuePair<string, string>> ConnectionProperties =>
    [
        new("HOST", externalHost ?? Host),
        new("PORT", port.ToString()),
        new("PASSWORD", Password ?? string.Empty),
        new("URI", Password is null ? $"redis://{externalHost ?? Host}:{port}" : $"redis://:{Uri.EscapeDataString(Password)}@{externalHost ?? Host}:{port}"),
    ];

    internal string? PasswordFile { get; private set; }

    internal override bool LaunchesProcess => !IsExternal;

    internal override Task PrepareAsync(HostingContext context, CancellationToken cancellationToken)
    {
        if (ConnectionString is not null)
        {
            return Task.CompletedTask;
        }

        var external = context.Configuration.GetConnectionString(Name);
        if (!string.IsNullOrWhiteSpace(external))
        {
            UseExternal(external);
            return Task.CompletedTask;
        }

        Password = PasswordParameter.Resolve(context.Configuration);
        port = RequestedPort ?? LocalPorts.NextFree();
        ConnectionString = $"{Host}:{port},password={Password}";
        var directory = context.ResourceDirectory(Name);
        PasswordFile = Path.Combine(directory, "password");
        SecretFile.Write(PasswordFile, Password);
        return Task.CompletedTask;
    }

    internal override async Task<ManagedProcess?> LaunchAsync(HostingContext context, CancellationToken cancellationToken)
    {
        if (IsExternal)
        {
            return null;
        }

        await LocalPorts.WaitUntilFreeAsync(port, TimeSpan.FromSeconds(10), cancellationToken);
        var directory = context.ResourceDirectory(Name);
        ProcessCommand command;
        if (ExecutableSearch.Find("redis-server") is { } redisServer)
        {
            var configFile = Path.Combine(directory, "redis.conf");
            SecretFile.Write(configFile, string.Join('\n',
                $"bind {Host}", $"port {port}", "protected-mode yes", $"requirepass {Password}",
                "save \"\"", "appendonly no", $"dir {directory}", "daemonize no", string.Empty));
            command = new ProcessCommand(redisServer, [configFile]);
        }
        else
        {
            UsesGarnet = true;
            context.Output.WriteHostLine($"{Name}: redis-server is not on PATH; using Garnet (dotnet tool garnet-server) instead. Install Redis with: apt-get install -y redis-server");
            await new ProcessCommand("dotnet", ["tool", "restore"]) { WorkingDirectory = context.Options.AppHostDirectory }
                .RunToCompletionAsync(Log, cancellationToken);
            var configFile = Path.Combine(directory, "garnet-redis.conf");
            SecretFile.Write(configFile, string.Join('\n', $"bind {Host}", $"port {port}", $"requirepass {Password}", string.Empty));
            command = new ProcessCommand("dotnet", ["tool", "run", "garnet-server", "--", "--config-import-path", configFile,
                "--config-import-format", "RedisConf", "--auth", "Password", "--lua"]) { WorkingDirectory = context.Options.AppHostDirectory };
        }

        return ManagedProcess.Start(command, Log);
    }

    internal override Task<HealthCheckOutcome> CheckHealthAsync(CancellationToken cancellationToken) =>
        RespProbe.PingAsync(externalHost ?? Host, port, Password, cancellationToken);

    private void UseExternal(string connectionString)
    {
        IsExternal = true;
        ConnectionString = connectionString;
        var parts = connectionString.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var endpoint = parts.First(part => !part.Contains('='));
        var colon = endpoint.LastIndexOf(':');
        externalHost = colon < 0 ? endpoint : endpoint[..colon];
        port = colon < 0 ? 6379 : int.Parse(endpoint[(colon + 1)..]);
        Password = parts.Where(part => part.StartsWith("password=", StringComparison.OrdinalIgnoreCase))
            .Select(part => part["password=".Length..]).FirstOrDefault();
    }
}
