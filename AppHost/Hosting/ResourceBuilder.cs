using AppHost.Hosting.Resources;

namespace AppHost.Hosting;

/// <summary>A declared resource plus the builder it belongs to, for fluent configuration (Aspire's <c>IResourceBuilder&lt;T&gt;</c>).</summary>
public interface IResourceBuilder<out T> where T : Resource
{
    /// <summary>The resource being configured.</summary>
    T Resource { get; }

    /// <summary>The application builder the resource belongs to.</summary>
    DistributedApplicationBuilder ApplicationBuilder { get; }
}

internal sealed class ResourceBuilder<T>(T resource, DistributedApplicationBuilder applicationBuilder) : IResourceBuilder<T> where T : Resource
{
    public T Resource { get; } = resource;

    public DistributedApplicationBuilder ApplicationBuilder { get; } = applicationBuilder;
}

/// <summary>Aspire's fluent resource methods: AddDatabase, WithReference, WaitFor, WithHttpEndpoint, WithReplicas, WithEnvironment.</summary>
public static class ResourceBuilderExtensions
{
    /// <summary>A database on this PostgreSQL server, created when the server is first healthy.</summary>
    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(
        this IResourceBuilder<PostgresServerResource> builder, string name, string? databaseName = null) =>
        builder.ApplicationBuilder.Add(new PostgresDatabaseResource(name, databaseName ?? name, builder.Resource));

    /// <summary>
    /// Passes <paramref name="source"/> to the project: a connection-string resource as <c>ConnectionStrings__{name}</c>
    /// plus <c>{NAME}_*</c> properties, a project as <c>services__{name}__http__{i}</c> (one per replica) and
    /// <c>{NAME}_HTTP</c> (replica 0).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithReference(this IResourceBuilder<ProjectResource> builder, IResourceBuilder<Resource> source)
    {
        if (source.Resource is not (IResourceWithConnectionString or ProjectResource))
        {
            throw new InvalidOperationException($"'{source.Resource.Name}' has neither a connection string nor an endpoint to reference.");
        }

        builder.Resource.References.Add(source.Resource);
        return builder;
    }

    /// <summary>The resource starts only once <paramref name="dependency"/> is running and healthy; fails if it fails.</summary>
    public static IResourceBuilder<T> WaitFor<T>(this IResourceBuilder<T> builder, IResourceBuilder<Resource> dependency) where T : Resource
    {
        builder.Resource.WaitsFor.Add(dependency.Resource);
        return builder;
    }

    /// <summary>The project's HTTP port under <c>dotnet run</c> (configuration <c>AppHost:HttpPorts:{name}</c> overrides it); random under the test host.</summary>
    public static IResourceBuilder<ProjectResource> WithHttpEndpoint(this IResourceBuilder<ProjectResource> builder, int? port = null)
    {
        var configured = builder.ApplicationBuilder.Configuration[$"AppHost:HttpPorts:{builder.Resource.Name}"];
        builder.Resource.RequestedHttpPort = configured is { Length: > 0 } ? int.Parse(configured) : port;
        return builder;
    }

    /// <summary>
    /// Runs the project as <paramref name="count"/> processes (default 1), each with its own port, health check and log
    /// (<c>{name}-0</c>, <c>{name}-1</c>, …) and otherwise the same environment. The project is healthy when every
    /// replica is, so WaitFor waits for all of them; under <c>dotnet run</c> replica 0 keeps the WithHttpEndpoint port.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithReplicas(this IResourceBuilder<ProjectResource> builder, int count)
    {
        builder.Resource.SetReplicaCount(count);
        return builder;
    }

    /// <summary>An environment variable whose value is a parameter (e.g. an admin key), resolved when the project starts.</summary>
    public static IResourceBuilder<ProjectResource> WithEnvironment(this IResourceBuilder<ProjectResource> builder, string name, ParameterResource parameter)
    {
        builder.Resource.ParameterEnvironment[name] = parameter;
        return builder;
    }

    /// <summary>An extra environment variable for the project.</summary>
    public static IResourceBuilder<ProjectResource> WithEnvironment(this IResourceBuilder<ProjectResource> builder, string name, string value)
    {
        builder.Resource.ExtraEnvironment[name] = value;
        return builder;
    }
}
