using System.Collections.Immutable;

namespace AppHost.LocalServers;

/// <summary>What every local server resource is declared with: its first snapshot and its AppHost-side health check's input.</summary>
internal static class LocalServerResources
{
    /// <summary>
    /// The connection string of <paramref name="resource"/>, for a health check that runs in the AppHost: Aspire resolves
    /// it once the resource's endpoints are allocated, before the check first runs.
    /// </summary>
    public static Func<string> ConnectionStringOnceAvailable(IDistributedApplicationBuilder builder, IResourceWithConnectionString resource)
    {
        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(resource, async (_, cancellationToken) =>
            connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken));
        return () => connectionString ?? throw new InvalidOperationException($"The connection string of '{resource.Name}' is not available yet.");
    }

    /// <summary>
    /// The first snapshot of a local server: shown in the dashboard as its kind, with how it runs and why (the choice of
    /// <see cref="ServerHosting"/>).
    /// </summary>
    public static CustomResourceSnapshot InitialSnapshot(string kind, string program, string reason) => new()
    {
        ResourceType = kind,
        Properties = ImmutableArray.Create(new ResourcePropertySnapshot("Hosting", $"local process: {program} ({reason})")),
    };
}
