namespace AppHost.LocalServers;

/// <summary>
/// Redis run by the orchestrator as a local process (<c>redis-server</c>, or Garnet when Redis is not installed), with the
/// connection string, connection properties and password parameter of Aspire's container <c>RedisResource</c>, so
/// <c>WithReference</c>, <c>WaitFor</c> and the client integration cannot tell them apart.
/// </summary>
public sealed class LocalRedisResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string PrimaryEndpointName = "tcp";

    private EndpointReference? primaryEndpoint;

    /// <summary>The endpoint Redis listens on (loopback, a port Aspire allocates, no proxy in front).</summary>
    public EndpointReference PrimaryEndpoint => primaryEndpoint ??= new(this, PrimaryEndpointName);

    /// <summary>The password (<c>{name}-password</c>, generated once and kept in the AppHost's user secrets).</summary>
    public ParameterResource PasswordParameter { get; } = password;

    /// <inheritdoc />
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)},password={PasswordParameter}");

    /// <inheritdoc />
    public IEnumerable<KeyValuePair<string, ReferenceExpression>> GetConnectionProperties() =>
    [
        new("Host", ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.Host)}")),
        new("Port", ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.Port)}")),
        new("Password", ReferenceExpression.Create($"{PasswordParameter}")),
        new("Uri", ReferenceExpression.Create(
            $"redis://:{PasswordParameter:uri}@{PrimaryEndpoint.Property(EndpointProperty.Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)}")),
    ];
}
