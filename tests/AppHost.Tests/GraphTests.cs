using System.Net;
using System.Net.Sockets;
using System.Text;
using Aspire.Hosting.ApplicationModel;
using GraphHost;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using StackExchange.Redis;

namespace AppHost.Tests;

[Collection(GraphCollection.Name)]
public sealed class GraphTests(GraphFixture fixture)
{
    private ExamGraph Graph => fixture.Graph;

    [Fact]
    public async Task EveryResourceRunsHealthyAndTheServersSayTheyAreLocalProcesses()
    {
        Assert.Equal(["cache", "postgres", "examdb", "examapi", "cleanupworker"], Graph.Resources.Select(r => r.Name));
        // Another test of the collection may have just stopped and restarted a server: the graph recovers.
        foreach (var resource in Graph.Resources) await Graph.WaitHealthyAsync(resource.Name).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(Graph.Resources, resource =>
        {
            var snapshot = Graph.Snapshot(resource.Name);
            Assert.Equal(KnownResourceStates.Running, snapshot.State?.Text);
            Assert.Equal(HealthStatus.Healthy, snapshot.HealthStatus);
        });

        Assert.Equal("Redis", Graph.Snapshot("cache").ResourceType);
        Assert.Equal("PostgreSQL", Graph.Snapshot("postgres").ResourceType);
        Assert.Equal("PostgreSQL database", Graph.Snapshot("examdb").ResourceType);
        foreach (var server in new[] { "cache", "postgres" })
        {
            var hosting = Graph.Snapshot(server).Properties.Single(property => property.Name == "Hosting").Value as string;
            Assert.StartsWith("local process: ", hosting);
            Assert.Contains("AppHost:Servers is 'processes'", hosting);
        }
    }

    [Fact]
    public async Task ServersAndServicesListenOnPortsOfTheGraphsOwnBlock()
    {
        // Graphs of test projects running side by side then never pick a port another graph is about to bind.
        var redis = (DnsEndPoint)ConfigurationOptions.Parse(await Graph.ConnectionStringAsync("cache")).EndPoints.Single();
        var postgres = new NpgsqlConnectionStringBuilder(await Graph.ConnectionStringAsync("examdb"));
        List<int> ports = [redis.Port, postgres.Port];
        ports.AddRange(Graph.ReplicaUrls("examapi").Concat(Graph.ReplicaUrls("cleanupworker")).Select(url => url.Port));
        Assert.All(ports, port => Assert.InRange(port, Graph.Ports.Start, Graph.Ports.End));

        using var another = PortBlock.Take();
        Assert.True(another.End < Graph.Ports.Start || another.Start > Graph.Ports.End, $"{another.Range} overlaps the graph's {Graph.Ports.Range}");
    }

    [Fact]
    public async Task ExamApiHealthReportsRedisAndPostgresHealthy()
    {
        using var client = Graph.CreateHttpClient("examapi");
        var checks = await GraphFixture.PollHealthAsync(client, HttpStatusCode.OK);
        Assert.All(GraphFixture.DependencyChecks, check => Assert.Equal("Healthy", checks.GetProperty(check).GetProperty("status").GetString()));

        using var alive = await client.GetAsync("/alive");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task ServicesReceiveConnectionStringsKeysAndTelemetrySettingsFromTheGraph()
    {
        var cache = await Graph.ConnectionStringAsync("cache");
        var examdb = await Graph.ConnectionStringAsync("examdb");
        var cachePassword = await Graph.ParameterAsync("cache-password");
        var postgresPassword = await Graph.ParameterAsync("postgres-password");
        var api = Environment("examapi");
        var worker = Environment("cleanupworker");

        Assert.Equal(cache, api["ConnectionStrings__cache"]);
        Assert.Equal(examdb, api["ConnectionStrings__examdb"]);
        Assert.Equal(await Graph.ParameterAsync("admin-key"), api["Exam__AdminKey"]);
        Assert.Equal(await Graph.ParameterAsync("session-key"), api["Exam__SessionKey"]);
        Assert.Equal(await Graph.ParameterAsync("student-key"), api["Exam__StudentKey"]);
        Assert.Equal($"{cache.Split(',')[0]},password={cachePassword}", cache);
        Assert.Equal(cachePassword, api["CACHE_PASSWORD"]);
        Assert.Equal($"redis://:{cachePassword}@{api["CACHE_HOST"]}:{api["CACHE_PORT"]}", api["CACHE_URI"]);
        Assert.Equal($"Host={api["EXAMDB_HOST"]};Port={api["EXAMDB_PORT"]};Username=postgres;Password={postgresPassword};Database=examdb", examdb);
        Assert.Equal($"postgresql://postgres:{postgresPassword}@{api["EXAMDB_HOST"]}:{api["EXAMDB_PORT"]}/examdb", api["EXAMDB_URI"]);
        Assert.Equal("examapi", api["OTEL_SERVICE_NAME"]);
        Assert.Equal("Development", api["ASPNETCORE_ENVIRONMENT"]);
        Assert.Equal(cache, worker["ConnectionStrings__cache"]);
        Assert.Equal(examdb, worker["ConnectionStrings__examdb"]);
        // The worker needs no keys; and no service keeps exporting to a dashboard that has gone at shutdown.
        Assert.DoesNotContain("Exam__AdminKey", worker.Keys);
        Assert.All(new[] { api, worker }, environment => Assert.DoesNotContain("OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY", environment.Keys));
    }

    [Fact]
    public void ProjectsRunFromTheirBuildOutputWithoutADotnetRunInFront()
    {
        foreach (var (resource, assembly) in new[] { ("examapi", "ExamApi.dll"), ("cleanupworker", "CleanupWorker.dll") })
        {
            var pid = Graph.ProcessId(resource)!.Value;
            var commandLine = Processes.CommandLine(pid)!;
            Assert.StartsWith("dotnet ", commandLine);
            Assert.EndsWith($"/bin/{BuildConfiguration}/net10.0/{assembly}", commandLine);
            Assert.DoesNotContain(Processes.All(), process => process.CommandLine.Contains("dotnet run", StringComparison.Ordinal)
                && process.CommandLine.Contains(assembly.Replace(".dll", ".csproj"), StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task RedisRequiresItsPassword()
    {
        var connectionString = await Graph.ConnectionStringAsync("cache");
        var endpoint = connectionString.Split(',')[0];

        await Assert.ThrowsAsync<RedisConnectionException>(() =>
            ConnectionMultiplexer.ConnectAsync($"{endpoint},abortConnect=true,connectTimeout=3000"));
        Assert.StartsWith("-NOAUTH", await InlineCommandAsync(endpoint, "PING"));

        await using var authenticated = await ConnectionMultiplexer.ConnectAsync($"{connectionString},abortConnect=true,connectTimeout=3000");
        await authenticated.GetDatabase().PingAsync();
    }

    [Fact]
    public async Task PostgresRequiresItsPasswordRunsOnLoopbackAsItsOwnUserAndWithoutFsyncUnderTests()
    {
        var connectionString = await Graph.ConnectionStringAsync("examdb");
        var withoutPassword = new NpgsqlConnectionStringBuilder(connectionString) { Password = null, Pooling = false };
        var wrongPassword = new NpgsqlConnectionStringBuilder(connectionString) { Password = "not-the-password", Pooling = false };

        await using (var connection = new NpgsqlConnection(withoutPassword.ConnectionString))
        {
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => connection.OpenAsync());
        }

        await using (var connection = new NpgsqlConnection(wrongPassword.ConnectionString))
        {
            var failure = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
            Assert.Equal(PostgresErrorCodes.InvalidPassword, failure.SqlState);
        }

        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString))
        {
            await connection.OpenAsync();
            Assert.Equal("examdb", await ScalarAsync(connection, "SELECT current_database()"));
            Assert.Equal("127.0.0.1", await ScalarAsync(connection, "SHOW listen_addresses"));
            Assert.Equal("off", await ScalarAsync(connection, "SHOW fsync"));
            Assert.Equal("off", await ScalarAsync(connection, "SHOW synchronous_commit"));
        }

        // The process Aspire reports is the wrapper; its child is the postmaster, as `postgres` when the tests run as root.
        var postmaster = Processes.WithDescendants(Graph.ProcessId("postgres")!.Value)[1];
        Assert.Matches($"^/\\S+/postgres -D {Graph.DataDirectory}/postgres/data ", Processes.CommandLine(postmaster));
        if (System.Environment.UserName == "root")
        {
            Assert.Contains(File.ReadLines($"/proc/{postmaster}/status"), line => line.StartsWith("Uid:", StringComparison.Ordinal)
                && line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1] == UserId("postgres"));
        }
    }

    [Fact]
    public async Task StoppingRedisMakesExamApiUnhealthyAndStartingItAgainRecovers()
    {
        using var client = Graph.CreateHttpClient("examapi");

        var stopped = await Graph.StopAsync("cache");
        Assert.Contains(stopped.State?.Text, KnownResourceStates.TerminalStates);
        var checks = await GraphFixture.PollHealthAsync(client, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("Unhealthy", checks.GetProperty(GraphFixture.DependencyChecks[0]).GetProperty("status").GetString());
        Assert.Equal("Healthy", checks.GetProperty(GraphFixture.DependencyChecks[1]).GetProperty("status").GetString());
        // The graph sees it too: ExamApi's health check is its /health.
        await Graph.App.ResourceNotifications.WaitForResourceAsync("examapi", e => e.Snapshot.HealthStatus == HealthStatus.Unhealthy)
            .WaitAsync(TimeSpan.FromSeconds(30));

        await Graph.StartAsync("cache");
        await GraphFixture.PollHealthAsync(client, HttpStatusCode.OK);
        await Graph.WaitHealthyAsync("examapi").WaitAsync(TimeSpan.FromSeconds(30));
        await Graph.WaitHealthyAsync("cleanupworker").WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task KillingAProjectByItsProcessIdIsReportedAndItStartsAgain()
    {
        var pid = Graph.ProcessId("cleanupworker")!.Value;

        var ended = await Graph.KillAsync("cleanupworker").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains(ended.State?.Text, KnownResourceStates.TerminalStates);
        Assert.NotEqual(0, ended.ExitCode);
        Assert.Null(Processes.CommandLine(pid));
        await Graph.StartAsync("cleanupworker").WaitAsync(TimeSpan.FromSeconds(60));
        Assert.NotEqual(pid, Graph.ProcessId("cleanupworker"));
    }

    [Fact]
    public async Task NoSecretAppearsOnTheCommandLineOfAnyProcess()
    {
        var secrets = new Dictionary<string, string>();
        foreach (var parameter in new[] { "cache-password", "postgres-password", "admin-key", "session-key", "student-key" })
        {
            secrets[parameter] = await Graph.ParameterAsync(parameter);
        }

        // Every kind of process of the graph is there to be checked: Redis, the postmaster and its backends, both projects.
        var graphProcesses = Graph.ProcessesSeen.Select(Processes.CommandLine).OfType<string>().ToList();
        Assert.Contains(graphProcesses, commandLine => commandLine.Contains("redis-server ", StringComparison.Ordinal));
        Assert.Contains(graphProcesses, commandLine => commandLine.Contains("postgres -D ", StringComparison.Ordinal));
        Assert.Contains(graphProcesses, commandLine => commandLine.StartsWith("postgres: ", StringComparison.Ordinal));
        Assert.Contains(graphProcesses, commandLine => commandLine.EndsWith("ExamApi.dll", StringComparison.Ordinal));
        Assert.Contains(graphProcesses, commandLine => commandLine.EndsWith("CleanupWorker.dll", StringComparison.Ordinal));
        // ...and every process on the machine (the orchestrator's included).
        foreach (var (pid, commandLine) in Processes.All())
        {
            foreach (var (name, value) in secrets)
            {
                Assert.False(commandLine.Contains(value, StringComparison.Ordinal), $"the {name} is on the command line of {pid}: {commandLine}");
            }
        }
    }

    private Dictionary<string, string> Environment(string resource) =>
        Graph.Snapshot(resource).EnvironmentVariables.Where(variable => variable.Value is not null)
            .ToDictionary(variable => variable.Name, variable => variable.Value!, StringComparer.Ordinal);

    private static string BuildConfiguration =>
        typeof(GraphTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
            .Cast<System.Reflection.AssemblyConfigurationAttribute>().Single().Configuration;

    private static string UserId(string user) =>
        File.ReadLines("/etc/passwd").Select(line => line.Split(':')).Single(fields => fields[0] == user)[2];

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static async Task<string?> InlineCommandAsync(string endpoint, string command)
    {
        var (host, port) = (endpoint.Split(':')[0], int.Parse(endpoint.Split(':')[1]));
        using var client = new TcpClient();
        await client.ConnectAsync(host, port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadLineAsync();
    }
}
