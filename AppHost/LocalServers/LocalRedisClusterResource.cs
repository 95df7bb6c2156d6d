namespace AppHost.LocalServers;

/// <summary>
/// A Redis Cluster of local <c>redis-server</c> processes (<see cref="Nodes"/>, each a <see cref="LocalRedisResource"/>).
/// Its connection string lists every node with the shared password, so StackExchange.Redis finds the cluster from
/// whichever node answers first and follows the slots from there; to <c>WithReference</c>, <c>WaitFor</c> and the client
/// integration it is a Redis like any other.
/// </summary>
public sealed class LocalRedisClusterResource(string name, ParameterResource password, int masters, int replicasPerMaster)
    : Resource(name), IResourceWithConnectionString
{
    /// <summary>The nodes, masters first as <c>redis-cli --cluster create</c> assigns them.</summary>
    public List<LocalRedisResource> Nodes { get; } = [];

    /// <summary>The password of every node (<c>{name}-password</c>, generated once and kept in the AppHost's user secrets).</summary>
    public ParameterResource PasswordParameter { get; } = password;

    /// <summary>Number of masters (the hash slots are split between them).</summary>
    public int Masters { get; } = masters;

    /// <summary>Replicas of each master (0: a master that dies takes its slots with it until it is back).</summary>
    public int ReplicasPerMaster { get; } = replicasPerMaster;

    /// <inheritdoc />
    public ReferenceExpression ConnectionStringExpression
    {
        get
        {
            var expression = new ReferenceExpressionBuilder();
            foreach (var node in Nodes)
            {
                // The address each node announces to the cluster (it binds 127.0.0.1): with "localhost" the client would
                // know every node under two names.
                expression.Append($"127.0.0.1:{node.PrimaryEndpoint.Property(EndpointProperty.Port)},");
            }

            expression.Append($"password={PasswordParameter}");
            return expression.Build();
        }
    }

    /// <inheritdoc />
    public IEnumerable<KeyValuePair<string, ReferenceExpression>> GetConnectionProperties() =>
    [
        new("Password", ReferenceExpression.Create($"{PasswordParameter}")),
    ];
}
