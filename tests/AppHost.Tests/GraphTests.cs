using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using AppHost.Hosting;
using AppHost.Hosting.Resources;
using Npgsql;
using StackExchange.Redis;

namespace AppHost.Tests;

[Collection(GraphCollection.Name)]
public sealed class GraphTests(GraphFixture fixture)
{
    private DistributedApplication App => fixture.App;

    [Fact]
    public void AllResourcesAreRunningAndHealthy()
    {
        Assert.Equal(["cache", "postgres", "examdb", "examapi", "cleanupworker"], App.Resources.Select(r => r.Name));
        Assert.All(App.Resources, resource =>
        {
            var snapshot = resource.Snapshot();
            Assert.Equal(ResourceState.Running, snapshot.State);
            Assert.Equal(ResourceHealth.Healthy, snapshot.Health);
        });
    }

    [Fact]
    public async Task ExamApiHealthReportsRedisAndPostgres()
    {
        using var client = App.CreateHttpClient("examapi");
        await AssertHealthyWithRedisAndPostgresAsync(client);

        using var alive = await client.GetAsync("/alive");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task ExamApiSeesExactlyTheDocumentedEnvironment()
    {
        var cache = (RedisResource)App.GetResource("cache");
        var postgres = (PostgresServerResource)App.GetResource("postgres");
        var api = App.GetEndpoint("examapi").ToString().TrimEnd('/');
        var expected = new Dictionary<string, string>
        {
            ["ConnectionStrings__cache"] = $"127.0.0.1:{cache.Port},password={cache.Password}",
            ["ConnectionStrings__examdb"] =
                $"Host=127.0.0.1;Port={postgres.Port};Username=postgres;Password={postgres.Password};Database=examdb",
            ["CACHE_HOST"] = "127.0.0.1",
            ["CACHE_PORT"] = cache.Port.ToString(),
            ["CACHE_PASSWORD"] = cache.Password!,
            ["CACHE_URI"] = $"redis://:{cache.Password}@127.0.0.1:{cache.Port}",
            ["EXAMDB_HOST"] = "127.0.0.1",
            ["EXAMDB_PORT"] = postgres.Port.ToString(),
            ["EXAMDB_USERNAME"] = "postgres",
            ["EXAMDB_PASSWORD"] = postgres.Password!,
            ["EXAMDB_DATABASENAME"] = "examdb",
            ["EXAMDB_URI"] = $"postgresql://postgres:{postgres.Password}@127.0.0.1:{postgres.Port}/examdb",
            ["ASPNETCORE_URLS"] = api,
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["OTEL_SERVICE_NAME"] = "examapi",
            ["LOGGING__CONSOLE__FORMATTERNAME"] = "simple",
            ["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "true",
            ["ExamApi__ExposeEnvironment"] = "true",
        };

        using var client = App.CreateHttpClient("examapi");
        var seen = JsonSerializer.Deserialize<Dictionary<string, string>>(await client.GetStringAsync("/_diagnostics/environment"))!;

        foreach (var (key, value) in expected)
        {
            Assert.True(seen.TryGetValue(key, out var actual), $"ExamApi did not receive {key}");
            Assert.Equal(value, actual);
        }

        Assert.Matches("^service.instance.id=examapi-[0-9a-f]{8}$", seen["OTEL_RESOURCE_ATTRIBUTES"]);

        // Nothing else of the contract's families: no telemetry endpoint is configured in tests, no project references,
        // and none of the host's own parameters or connection strings leak into the service.
        string[] contractPrefixes = ["ConnectionStrings__", "CACHE_", "EXAMDB_", "OTEL_", "services__", "Parameters__", "ASPNETCORE_"];
        var unexpected = seen.Keys
            .Where(key => contractPrefixes.Any(prefix => key.StartsWith(prefix, StringComparison.Ordinal)))
            .Where(key => !expected.ContainsKey(key) && key != "OTEL_RESOURCE_ATTRIBUTES")
            .ToList();
        Assert.Empty(unexpected);
    }

    [Fact]
    public async Task RedisRequiresItsPassword()
    {
        var connectionString = await App.GetConnectionStringAsync("cache");
        var endpoint = connectionString.Split(',')[0];

        await Assert.ThrowsAsync<RedisConnectionException>(() =>
            ConnectionMultiplexer.ConnectAsync($"{endpoint},abortConnect=true,connectTimeout=3000"));
        Assert.StartsWith("-NOAUTH", await InlineCommandAsync(endpoint, "PING"));

        using var authenticated = await ConnectionMultiplexer.ConnectAsync($"{connectionString},abortConnect=true,connectTimeout=3000");
        await authenticated.GetDatabase().PingAsync();
    }

    [Fact]
    public async Task PostgresRequiresItsPassword()
    {
        var connectionString = await App.GetConnectionStringAsync("examdb");
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

        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT current_database()", connection);
            Assert.Equal("examdb", await command.ExecuteScalarAsync());
        }
    }

    [Fact]
    public async Task StoppingRedisMakesExamApiUnhealthyAndStartingItAgainRecovers()
    {
        using var client = App.CreateHttpClient("examapi");

        await App.StopResourceAsync("cache");
        Assert.Equal(ResourceState.Exited, App.GetResource("cache").Snapshot().State);
        var unhealthy = await PollHealthAsync(client, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("Unhealthy", unhealthy.GetProperty("checks").GetProperty("cache").GetProperty("status").GetString());
        Assert.Equal("Healthy", unhealthy.GetProperty("checks").GetProperty("examdb").GetProperty("status").GetString());
        await App.WaitForResourceAsync("examapi", "unhealthy", s => s.Health == ResourceHealth.Unhealthy, timeout: TimeSpan.FromSeconds(30));

        await App.StartResourceAsync("cache");
        await App.WaitForResourceHealthyAsync("cache", TimeSpan.FromSeconds(30));
        await PollHealthAsync(client, HttpStatusCode.OK);
        await App.WaitForResourceHealthyAsync("examapi", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task KillingAProjectIsReportedAsExited()
    {
        var processId = App.GetResource("cleanupworker").Snapshot().ProcessId!.Value;

        await App.KillResourceAsync("cleanupworker");

        var snapshot = await App.WaitForResourceAsync("cleanupworker", "exited", s => s.State == ResourceState.Exited,
            timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(137, snapshot.ExitCode);
        Assert.Contains("exited unexpectedly", snapshot.FailureReason);
        Assert.False(Directory.Exists($"/proc/{processId}"));

        await App.StartResourceAsync("cleanupworker");
        await App.WaitForResourceHealthyAsync("cleanupworker", GraphFixture.StartTimeout);
    }

    [Fact]
    public async Task NoSecretAppearsOnTheCommandLineOfAnyProcessTheGraphStarted()
    {
        await GraphFixture.WaitForAllHealthyAsync(App);
        var secrets = Secrets();
        var processes = ProcessCheck.CommandLines(App.StartedProcesses);

        // Every kind of process is there to be checked: Redis, the postmaster and its backends, both projects.
        Assert.Contains(processes, process => process.CommandLine.Contains("redis-server ", StringComparison.Ordinal));
        Assert.Contains(processes, process => process.CommandLine.StartsWith("postgres -D", StringComparison.Ordinal));
        Assert.Contains(processes, process => process.CommandLine.StartsWith("postgres: ", StringComparison.Ordinal));
        Assert.Contains(processes, process => process.CommandLine.EndsWith("ExamApi.dll", StringComparison.Ordinal));
        Assert.Contains(processes, process => process.CommandLine.EndsWith("CleanupWorker.dll", StringComparison.Ordinal));
        foreach (var (pid, commandLine) in processes)
        {
            foreach (var (name, value) in secrets)
            {
                Assert.False(commandLine.Contains(value, StringComparison.Ordinal), $"the {name} is on the command line of {pid}: {commandLine}");
            }
        }
    }

    [Fact]
    public void StartupReportPrintsTheAdminKeyButOnlyWhereToReadTheSecrets()
    {
        var report = StartupReport.Render(App, fixture.Builder.Parameters, fixture.Builder.Configuration);
        var secrets = Secrets();
        var parameters = fixture.Builder.Parameters.ToDictionary(parameter => parameter.Name);

        Assert.Contains($"  admin-key: {secrets["admin key"]} (cat {parameters["admin-key"].ValueFile})", report);
        Assert.Contains($"  session-key: cat {parameters["session-key"].ValueFile}", report);
        foreach (var (name, value) in secrets.Where(secret => secret.Key != "admin key"))
        {
            Assert.False(report.Contains(value, StringComparison.Ordinal), $"the startup report shows the {name}");
        }
    }

    [Fact]
    public async Task SecondGraphOnTheseServersThroughConnectionStringsStartsNoServerOfItsOwn()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Program>(configuration: new Dictionary<string, string?>
        {
            ["ConnectionStrings:cache"] = await App.GetConnectionStringAsync("cache"),
            ["ConnectionStrings:postgres"] = await App.GetConnectionStringAsync("postgres"),
        });
        await using var second = builder.Build();
        await second.StartAsync();
        await GraphFixture.WaitForAllHealthyAsync(second);

        Assert.Equal("Redis (external)", second.GetResource("cache").Snapshot().Kind);
        Assert.Equal("PostgreSQL (external)", second.GetResource("postgres").Snapshot().Kind);
        Assert.Null(second.GetResource("cache").Snapshot().ProcessId);
        Assert.Null(second.GetResource("postgres").Snapshot().ProcessId);
        // One process per project, nothing else: no redis-server, initdb or postgres of its own.
        Assert.Equal(2, second.StartedProcesses.Count);
        Assert.All(ProcessCheck.CommandLines(second.StartedProcesses), process => Assert.StartsWith("dotnet ", process.CommandLine));
        Assert.False(Directory.Exists(Path.Combine(second.Options.DataDirectory, "postgres")));

        Assert.Contains("database examdb already exists", second.GetResource("examdb").Log.Tail(5));
        await using (var connection = new NpgsqlConnection(await second.GetConnectionStringAsync("examdb")))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT current_database()", connection);
            Assert.Equal("examdb", await command.ExecuteScalarAsync());
        }

        using var client = second.CreateHttpClient("examapi");
        await AssertHealthyWithRedisAndPostgresAsync(client);
    }

    [Fact]
    public async Task KillingADatabaseThrowsNamingItInsteadOfHanging()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => App.KillResourceAsync("examdb").WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Contains("'examdb' (Database) has no process to kill", failure.Message);
        Assert.True(App.GetResource("examdb").Snapshot().IsHealthy);
    }

    /// <summary>The graph's secrets by name: both server passwords and the two keys ExamApi receives.</summary>
    private Dictionary<string, string> Secrets()
    {
        var api = ((ProjectResource)App.GetResource("examapi")).Replicas[0].LastEnvironment;
        return new Dictionary<string, string>
        {
            ["Redis password"] = ((RedisResource)App.GetResource("cache")).Password!,
            ["Postgres password"] = ((PostgresServerResource)App.GetResource("postgres")).Password!,
            ["admin key"] = api["Exam__AdminKey"],
            ["session key"] = api["Exam__SessionKey"],
        };
    }

    /// <summary>ExamApi's <c>/health</c> answers 200 with its Redis (<c>cache</c>) and Postgres (<c>examdb</c>) checks healthy.</summary>
    private static async Task AssertHealthyWithRedisAndPostgresAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var checks = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("cache").GetProperty("status").GetString());
        Assert.Equal("Healthy", checks.GetProperty("examdb").GetProperty("status").GetString());
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

    private static async Task<JsonElement> PollHealthAsync(HttpClient client, HttpStatusCode wanted)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string last = "(no answer)";
        while (DateTime.UtcNow < deadline)
        {
            using var response = await client.GetAsync("/health");
            last = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
            if (response.StatusCode == wanted)
            {
                return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"ExamApi /health did not answer {(int)wanted} within 30 s; last answer {last}");
    }
}
