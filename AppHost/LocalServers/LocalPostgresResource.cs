namespace AppHost.LocalServers;

/// <summary>
/// PostgreSQL run by the orchestrator as a local process (through <c>postgres-server.sh</c>), with the connection string,
/// connection properties and password parameter of Aspire's container <c>PostgresServerResource</c>.
/// </summary>
public sealed class LocalPostgresResource(string name, string command, string dataRoot, ParameterResource password)
    : ExecutableResource(name, command, dataRoot), IResourceWithConnectionString
{
    internal const string PrimaryEndpointName = "tcp";

    /// <summary>The superuser clients log in as.</summary>
    public const string UserName = "postgres";

    private EndpointReference? primaryEndpoint;

    /// <summary>The endpoint PostgreSQL listens on (loopback, a port Aspire allocates, no proxy in front).</summary>
    public EndpointReference PrimaryEndpoint => primaryEndpoint ??= new(this, PrimaryEndpointName);

    /// <summary>The superuser's password (<c>{name}-password</c>), kept beside the data it was initialized with.</summary>
    public ParameterResource PasswordParameter { get; } = password;

    /// <summary>The folder holding <c>data/</c> (PGDATA), <c>run/</c> (the socket) and <c>password</c>.</summary>
    public string DataRoot => WorkingDirectory;

    /// <summary>The file holding the password the data was initialized with (0600).</summary>
    public string PasswordFile => Path.Combine(DataRoot, "password");

    /// <summary>True once <c>initdb</c> has run.</summary>
    public bool IsInitialized => File.Exists(Path.Combine(DataRoot, "data", "PG_VERSION"));

    /// <summary>The databases declared on this server, created when it is first ready.</summary>
    public IList<LocalPostgresDatabaseResource> Databases { get; } = [];

    /// <inheritdoc />
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={PrimaryEndpoint.Property(EndpointProperty.Host)};Port={PrimaryEndpoint.Property(EndpointProperty.Port)};Username={UserName};Password={PasswordParameter}");

    /// <summary>The server's URI, <c>postgresql://user:password@host:port</c>.</summary>
    public ReferenceExpression UriExpression => ReferenceExpression.Create(
        $"postgresql://{UserName}:{PasswordParameter:uri}@{PrimaryEndpoint.Property(EndpointProperty.Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)}");

    /// <inheritdoc />
    public IEnumerable<KeyValuePair<string, ReferenceExpression>> GetConnectionProperties() =>
    [
        new("Host", ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.Host)}")),
        new("Port", ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.Port)}")),
        new("Username", ReferenceExpression.Create($"{UserName}")),
        new("Password", ReferenceExpression.Create($"{PasswordParameter}")),
        new("Uri", UriExpression),
    ];
}

/// <summary>A database on a <see cref="LocalPostgresResource"/>, like Aspire's <c>PostgresDatabaseResource</c>.</summary>
public sealed class LocalPostgresDatabaseResource(string name, string databaseName, LocalPostgresResource parent)
    : Resource(name), IResourceWithParent<LocalPostgresResource>, IResourceWithConnectionString
{
    /// <inheritdoc />
    public LocalPostgresResource Parent { get; } = parent;

    /// <summary>The database's name on the server.</summary>
    public string DatabaseName { get; } = databaseName;

    /// <inheritdoc />
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Parent};Database={DatabaseName}");

    /// <inheritdoc />
    public IEnumerable<KeyValuePair<string, ReferenceExpression>> GetConnectionProperties() =>
        Parent.GetConnectionProperties()
            .Where(property => property.Key != "Uri")
            .Append(new("Uri", ReferenceExpression.Create($"{Parent.UriExpression}/{DatabaseName}")))
            .Append(new("DatabaseName", ReferenceExpression.Create($"{DatabaseName}")));
}
