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
        using var response = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var checks = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("cache").GetProperty("status").GetString());
        Assert.Equal("Healthy", checks.GetProperty("examdb").GetProperty("status").GetString());

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
