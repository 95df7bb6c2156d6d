using Npgsql;

namespace LoadGenerator.Tests;

/// <summary>One whole graph per test collection, started through the generator's own <see cref="TargetGraph"/>.</summary>
public class LoadGraphFixture : IAsyncLifetime
{
    private TargetGraph? graph;

    /// <summary>The running graph (fault scenarios stop, kill and restart its servers).</summary>
    public TargetGraph Graph => graph ?? throw new InvalidOperationException("The graph has not started.");

    /// <summary>The graph as a load target.</summary>
    public ExamTarget Target => Graph.Target;

    /// <summary>ExamApi replicas of the graph.</summary>
    protected virtual int Replicas => 1;

    public async Task InitializeAsync() =>
        graph = await TargetGraph.StartAsync("loadgen-tests-admin-key-0123456789", TimeSpan.FromSeconds(120), examApiReplicas: Replicas);

    public async Task DisposeAsync()
    {
        if (graph is not null) await graph.DisposeAsync();
    }

    /// <summary>Runs a statement against examdb and returns the rows it affected.</summary>
    public async Task<int> ExecuteAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(Target.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters) command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        return await command.ExecuteNonQueryAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class LoadGraphCollection : ICollectionFixture<LoadGraphFixture>
{
    public const string Name = "load graph";
}

/// <summary>A graph with two ExamApi replicas, for the replica-kill scenario (which leaves replica 1 dead).</summary>
public sealed class ReplicaGraphFixture : LoadGraphFixture
{
    protected override int Replicas => 2;
}

[CollectionDefinition(Name)]
public sealed class ReplicaGraphCollection : ICollectionFixture<ReplicaGraphFixture>
{
    public const string Name = "replicated load graph";
}
