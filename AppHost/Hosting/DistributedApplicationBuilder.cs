using System.Reflection;
using AppHost.Hosting.Resources;
using Microsoft.Extensions.Configuration;

namespace AppHost.Hosting;

/// <summary>Declares the application graph (Aspire's <c>IDistributedApplicationBuilder</c>, for local processes).</summary>
public sealed class DistributedApplicationBuilder
{
    private readonly List<Resource> resources = [];
    private readonly List<ParameterResource> parameters = [];

    internal DistributedApplicationBuilder(string[] args, DistributedApplicationOptions options, IReadOnlyDictionary<string, string?>? overrides)
    {
        Options = options;
        Configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(options.AppHostDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args)
            .AddInMemoryCollection(overrides ?? new Dictionary<string, string?>())
            .Build();
        Options.EnvironmentName = Configuration["DOTNET_ENVIRONMENT"] ?? Configuration["ASPNETCORE_ENVIRONMENT"] ?? Options.EnvironmentName;
        if (!options.IsTesting && Configuration["AppHost:DataDirectory"] is { Length: > 0 } dataDirectory)
        {
            Options.DataDirectory = Path.GetFullPath(dataDirectory);
        }
    }

    /// <summary>How the graph will run.</summary>
    public DistributedApplicationOptions Options { get; }

    /// <summary>appsettings.json of the AppHost, environment variables, command line (later wins).</summary>
    public IConfiguration Configuration { get; }

    /// <summary>The resources declared so far, in declaration order.</summary>
    public IReadOnlyList<Resource> Resources => resources;

    /// <summary>Parameters declared with <see cref="AddParameter"/>.</summary>
    public IReadOnlyList<ParameterResource> Parameters => parameters;

    /// <summary>
    /// A value such as an admin key: configuration <c>Parameters:{name}</c>, else generated once and kept (0600) in
    /// <c>{data folder}/parameters/{name}</c> so it stays the same across runs. Pass it with <c>WithEnvironment</c>.
    /// </summary>
    public ParameterResource AddParameter(string name, bool secret = true)
    {
        var file = Path.Combine(Options.DataDirectory, "parameters", name);
        var parameter = new ParameterResource(name, secret, () =>
        {
            if (File.Exists(file))
            {
                return File.ReadAllText(file).Trim();
            }

            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            var value = Processes.SecretFile.GeneratePassword();
            Processes.SecretFile.Write(file, value);
            return value;
        })
        { ValueFile = file };
        parameters.Add(parameter);
        return parameter;
    }

    /// <summary>A Redis server named <paramref name="name"/> (connection string <c>ConnectionStrings:{name}</c> for references).</summary>
    public IResourceBuilder<RedisResource> AddRedis(string name, int? port = null) =>
        Add(new RedisResource(name) { RequestedPort = Options.IsTesting ? null : port });

    /// <summary>A PostgreSQL server named <paramref name="name"/>; add databases with <c>AddDatabase</c>.</summary>
    public IResourceBuilder<PostgresServerResource> AddPostgres(string name, int? port = null) =>
        Add(new PostgresServerResource(name) { RequestedPort = Options.IsTesting ? null : port });

    /// <summary>A project of this repository, <paramref name="projectPath"/> relative to the AppHost project directory.</summary>
    public IResourceBuilder<ProjectResource> AddProject(string name, string projectPath)
    {
        var fullPath = Path.GetFullPath(Path.Combine(Options.AppHostDirectory, projectPath));
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"Project '{name}': {fullPath} does not exist.", fullPath);
        }

        return Add(new ProjectResource(name, fullPath));
    }

    /// <summary>Builds the application; nothing starts before <see cref="DistributedApplication.StartAsync"/> or Run.</summary>
    public DistributedApplication Build()
    {
        DistributedApplicationTestingBuilder.Capture(this);
        return new DistributedApplication(this);
    }

    /// <summary>The builder of an already declared resource (for tests that adjust the graph).</summary>
    public IResourceBuilder<T> CreateResourceBuilder<T>(string name) where T : Resource =>
        new ResourceBuilder<T>(resources.OfType<T>().SingleOrDefault(resource => resource.Name == name)
            ?? throw new InvalidOperationException($"No {typeof(T).Name} named '{name}'."), this);

    internal IResourceBuilder<T> Add<T>(T resource) where T : Resource
    {
        if (resources.Any(existing => existing.Name == resource.Name))
        {
            throw new InvalidOperationException($"A resource named '{resource.Name}' already exists.");
        }

        resources.Add(resource);
        return new ResourceBuilder<T>(resource, this);
    }

    internal static DistributedApplicationOptions DefaultOptions()
    {
        var metadata = typeof(DistributedApplicationBuilder).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .ToDictionary(attribute => attribute.Key, attribute => attribute.Value);
        var appHostDirectory = metadata["AppHostProjectDirectory"]!;
        return new DistributedApplicationOptions
        {
            AppHostDirectory = appHostDirectory,
            BuildConfiguration = metadata["AppHostConfiguration"]!,
            DataDirectory = Path.GetFullPath(Path.Combine(appHostDirectory, "..", ".data")),
        };
    }
}
