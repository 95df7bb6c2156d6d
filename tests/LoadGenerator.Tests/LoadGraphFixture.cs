using Npgsql;

namespace LoadGenerator.Tests;

/// <summary>One whole graph per test collection, started through the generator's own <see cref="ExamGraph"/>.</summary>
public sealed class LoadGraphFixture : IAsyncLifetime
{
    private ExamGraph? graph;

    /// <summary>The graph as a load target.</summary>
    public ExamTarget Target => graph?.Target ?? throw new InvalidOperationException("The graph has not started.");

    public async Task InitializeAsync() => graph = await ExamGraph.StartAsync("loadgen-tests-admin-key-0123456789", TimeSpan.FromSeconds(120));

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
