using Aspire.Hosting;
using GraphHost;
using Npgsql;

namespace AppHost.Tests;

/// <summary>
/// Runs of the graph on one data folder, as two <c>dotnet run</c>s of the AppHost would do: the PostgreSQL data and its
/// password are kept, a killed server comes back with its data, and no process outlives its graph.
/// </summary>
public sealed class PersistenceTests : IDisposable
{
    private readonly string dataDirectory = Directory.CreateTempSubdirectory("apphost-persistence-").FullName;

    private string PasswordFile => Path.Combine(dataDirectory, "postgres", "password");

    [Fact]
    public async Task DataAndItsPasswordAreKeptAcrossRunsAKilledServerComesBackAndNothingOutlivesAGraph()
    {
        string password;
        var first = await StartAsync();
        await using (first)
        {
            password = await first.ParameterAsync("postgres-password");
            Assert.Equal(password, (await File.ReadAllTextAsync(PasswordFile)).Trim());
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(PasswordFile));
            var redisConfig = Path.Combine(dataDirectory, "cache", "redis.conf");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(redisConfig));
            Assert.Contains($"requirepass {await first.ParameterAsync("cache-password")}", await File.ReadAllLinesAsync(redisConfig));
            await ExecuteAsync(first, "CREATE TABLE survivor (id int); INSERT INTO survivor VALUES (42)");

            // SIGKILL to the process Aspire reports (the wrapper) takes the postmaster with it: nothing keeps the data locked.
            var postmaster = Processes.WithDescendants(first.ProcessId("postgres")!.Value)[1];
            await first.KillAsync("postgres");
            await WaitGoneAsync(postmaster);
            await first.StartAsync("postgres");
            await first.WaitHealthyAsync("examdb").WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(42, await ExecuteAsync(first, "SELECT id FROM survivor"));
        }

        Assert.NotEmpty(first.ProcessesSeen);
        Assert.Empty(first.Survivors());

        var second = await StartAsync(replicas: 2);
        await using (second)
        {
            Assert.Equal(password, await second.ParameterAsync("postgres-password"));
            Assert.Equal(42, await ExecuteAsync(second, "SELECT id FROM survivor"));
            Assert.Equal(2, second.InstanceCount("examapi"));
            Assert.NotEqual(second.ProcessId("examapi", 0), second.ProcessId("examapi", 1));
        }

        Assert.Contains(second.ProcessId("examapi", 1)!.Value, second.ProcessesSeen);
        Assert.Empty(second.Survivors());
    }

    [Fact]
    public async Task DataWithoutItsPasswordFileFailsPostgresWithWhatToDoInsteadOfHangingAndTheConfiguredPasswordRecoversIt()
    {
        string password;
        await using (var first = await StartAsync())
        {
            password = await first.ParameterAsync("postgres-password");
            await ExecuteAsync(first, "CREATE TABLE survivor (id int); INSERT INTO survivor VALUES (7)");
        }

        File.Delete(PasswordFile);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var failure = await Assert.ThrowsAsync<DistributedApplicationException>(() => StartAsync());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the failure took {clock.Elapsed}");
        Assert.Contains("holds data but its password file", failure.Message);
        Assert.Contains("set Parameters:postgres-password", failure.Message);

        await using var recovered = await StartAsync(configuration: new Dictionary<string, string> { ["Parameters:postgres-password"] = password });
        Assert.Equal(7, await ExecuteAsync(recovered, "SELECT id FROM survivor"));
        Assert.Equal(password, (await File.ReadAllTextAsync(PasswordFile)).Trim());
    }

    public void Dispose() => Directory.Delete(dataDirectory, recursive: true);

    private Task<ExamGraph> StartAsync(int replicas = 1, IReadOnlyDictionary<string, string>? configuration = null) =>
        ExamGraph.StartAsync(new ExamGraphOptions
        {
            DataDirectory = dataDirectory,
            // The product's durable commits: without fsync a killed server may lose what it had acknowledged.
            DurablePostgres = true,
            ExamApiReplicas = replicas,
            Configuration = configuration ?? new Dictionary<string, string>(),
        });

    private static async Task WaitGoneAsync(int pid)
    {
        for (var wait = 0; wait < 100 && Processes.CommandLine(pid) is not null; wait++) await Task.Delay(50);
        Assert.Null(Processes.CommandLine(pid));
    }

    private static async Task<object?> ExecuteAsync(ExamGraph graph, string sql)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(await graph.ConnectionStringAsync("examdb")) { Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
