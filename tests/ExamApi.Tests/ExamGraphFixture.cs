using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using GraphHost;
using Npgsql;
using StackExchange.Redis;

namespace ExamApi.Tests;

/// <summary>
/// One whole graph (Redis, PostgreSQL, ExamApi, CleanupWorker) per test collection, started from the real AppHost through
/// Aspire's testing builder (<see cref="ExamGraph"/>) with random ports and temporary data, plus a test item bank
/// (<see cref="TestItemBank"/>) written straight into Postgres once the API is healthy (its migrations have run by then).
/// Disposed even when tests fail.
/// </summary>
public class ExamGraphFixture : IAsyncLifetime
{
    /// <summary>The administrator key: the AppHost's <c>admin-key</c> parameter, which it passes as <c>Exam__AdminKey</c>.</summary>
    public const string AdminKey = "exam-tests-admin-key-0123456789";

    private ExamGraph? graph;
    private ConnectionMultiplexer? redis;

    /// <summary>The running graph.</summary>
    public ExamGraph Graph => graph ?? throw new InvalidOperationException("The graph has not started.");

    /// <summary>The seeded items (two subjects, ordered by id within each).</summary>
    public TestItemBank Bank { get; private set; } = TestItemBank.Empty;

    /// <summary>The examdb connection string.</summary>
    public string DatabaseConnectionString { get; private set; } = string.Empty;

    /// <summary>A Redis connection with admin commands allowed (FLUSHALL, KEYS) for inspecting the hot state.</summary>
    public ConnectionMultiplexer Redis => redis ?? throw new InvalidOperationException("The graph has not started.");

    /// <summary>An HTTP client for ExamApi.</summary>
    public HttpClient CreateClient() => Graph.CreateHttpClient("examapi");

    /// <summary>
    /// How the graph starts. These tests race identical answers to one session on purpose (idempotency under
    /// concurrency), which the default in-flight limit per session would turn into 429s, so it is raised here; the
    /// limits themselves are tested at their defaults on <see cref="CredentialGraphFixture"/>. The Server-Timing header
    /// is on (off by default: also tested there).
    /// </summary>
    protected virtual ExamGraphOptions Options => new()
    {
        AdminKey = AdminKey,
        Configure = builder => builder.CreateResourceBuilder<ProjectResource>("examapi")
            .WithEnvironment("Exam__RateLimits__AnswersInFlightPerSession", "100")
            .WithEnvironment("Exam__ServerTiming", "true"),
    };

    public async Task InitializeAsync()
    {
        graph = await ExamGraph.StartAsync(Options);

        // Unpooled, so that a test that restarts Postgres never gets a dead pooled connection.
        DatabaseConnectionString = new NpgsqlConnectionStringBuilder(await graph.ConnectionStringAsync("examdb")) { Pooling = false }.ConnectionString;
        Bank = await TestItemBank.SeedAsync(DatabaseConnectionString);
        await SetDefaultDesignsAsync();
        var options = ConfigurationOptions.Parse(await graph.ConnectionStringAsync("cache"));
        options.AllowAdmin = true;
        options.AbortOnConnectFail = false;
        redis = await ConnectionMultiplexer.ConnectAsync(options);
    }

    /// <summary>The number of items of the test subjects' default designs (what a start naming only the subject runs).</summary>
    public const int DefaultDesignItems = 5;

    // Each test subject's default design: the tests' standard design (see ExamClient.DesignAsync) of 5 items.
    private async Task SetDefaultDesignsAsync()
    {
        var client = new ExamClient(CreateClient());
        foreach (var subject in TestItemBank.Subjects)
        {
            var id = await client.DesignAsync(subject, DefaultDesignItems);
            var made = await client.SendAsync(HttpMethod.Post, $"/api/designs/{id}/default", null, null, AdminKey);
            if (made.Status != System.Net.HttpStatusCode.OK) throw new InvalidOperationException($"Setting the default design of {subject} failed: {made.Body}");
        }
    }

    public async Task DisposeAsync()
    {
        redis?.Dispose();
        if (graph is not null)
        {
            await graph.DisposeAsync();
        }
    }

    /// <summary>Runs a scalar query against examdb.</summary>
    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Runs a statement against examdb.</summary>
    public async Task ExecuteAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Gives a student long-term proficiencies in a subject, as completed exams would (topic "" is the subject's).</summary>
    public async Task SeedProficiencyAsync(string studentId, string subject, params (string Topic, double Theta, double Se)[] estimates)
    {
        foreach (var (topic, theta, se) in estimates)
        {
            await ExecuteAsync("INSERT INTO student_proficiencies (student_id, subject, topic, theta, se, sessions, updated_at) VALUES ($1, $2, $3, $4, $5, 1, now())",
                studentId, subject, topic, theta, se);
        }
    }

    /// <summary>The number of attempt rows of a session.</summary>
    public Task<long> AttemptCountAsync(Guid sessionId) => ScalarAsync<long>("SELECT count(*) FROM attempts WHERE session_id = $1", sessionId);
}

/// <summary>The graph for tests that stop, kill or flush its servers; it is theirs alone.</summary>
public sealed class FaultGraphFixture : ExamGraphFixture;

/// <summary>The graph of the practice tests, whose cache keys the exam tests' inspection of Redis does not expect.</summary>
public sealed class PracticeGraphFixture : ExamGraphFixture;

/// <summary>
/// The graph of the student credential and rate limit tests: an LMS configured through the AppHost (issuer, audience and
/// its <c>lms-signing-key</c> parameter), and every rate limit at its default.
/// </summary>
public sealed class CredentialGraphFixture : ExamGraphFixture
{
    /// <summary>The LMS's shared secret (HS256).</summary>
    public const string LmsSigningKey = "exam-tests-lms-shared-secret-0123456789abcdef";

    /// <summary>The issuer (<c>iss</c>) the LMS's launch tokens carry.</summary>
    public const string LmsIssuer = "https://lms.example.test";

    /// <summary>The audience (<c>aud</c>) the launch tokens are for.</summary>
    public const string LmsAudience = "exam-tests";

    protected override ExamGraphOptions Options => new()
    {
        AdminKey = AdminKey,
        Configuration = new Dictionary<string, string>
        {
            ["ExamApi:Lms:Issuer"] = LmsIssuer,
            ["ExamApi:Lms:Audience"] = LmsAudience,
            ["Parameters:lms-signing-key"] = LmsSigningKey,
        },
    };
}

/// <summary>
/// The graph on a Redis Cluster of local processes (the AppHost's switch): 3 masters with a replica each. Its tests kill
/// nodes, so it is theirs alone.
/// </summary>
public sealed class ClusterGraphFixture : ExamGraphFixture
{
    protected override ExamGraphOptions Options => new()
    {
        AdminKey = AdminKey,
        Configuration = new Dictionary<string, string>
        {
            ["AppHost:RedisCluster:Masters"] = "3",
            ["AppHost:RedisCluster:ReplicasPerMaster"] = "1",
        },
    };
}

[CollectionDefinition(Name)]
public sealed class ExamGraphCollection : ICollectionFixture<ExamGraphFixture>
{
    public const string Name = "exam graph";
}

[CollectionDefinition(Name)]
public sealed class PracticeGraphCollection : ICollectionFixture<PracticeGraphFixture>
{
    public const string Name = "practice graph";
}

[CollectionDefinition(Name)]
public sealed class CredentialGraphCollection : ICollectionFixture<CredentialGraphFixture>
{
    public const string Name = "credential graph";
}

[CollectionDefinition(Name)]
public sealed class FaultGraphCollection : ICollectionFixture<FaultGraphFixture>
{
    public const string Name = "exam graph faults";
}

[CollectionDefinition(Name)]
public sealed class ClusterGraphCollection : ICollectionFixture<ClusterGraphFixture>
{
    public const string Name = "cluster graph";
}
