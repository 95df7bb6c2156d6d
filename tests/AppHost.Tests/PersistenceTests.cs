using System.Diagnostics;
using AppHost.Hosting;
using AppHost.Hosting.Processes;
using AppHost.Hosting.Resources;
using Npgsql;

namespace AppHost.Tests;

/// <summary>
/// Two runs against one PostgreSQL data directory, as two <c>dotnet run</c>s of the AppHost would do; the second with
/// ExamApi at two replicas (<c>ExamApi__Replicas=2</c>), whose processes must not survive disposal either.
/// </summary>
public sealed class PersistenceTests : IDisposable
{
    private readonly string dataDirectory = Directory.CreateTempSubdirectory("apphost-persistence-").FullName;

    [Fact]
    public async Task SecondStartOnTheSameDataReusesThePasswordAndKeepsDataAndNoProcessSurvivesDisposal()
    {
        // A crashed earlier run's ledger: one entry that is really ours (PID and start time match) and one whose PID
        // now belongs to another process (start time differs), which must be left alone.
        using var leftover = Process.Start("sleep", "300");
        using var bystander = Process.Start("sleep", "300");
        var leftoverIdentity = ProcessIdentity.Of(leftover.Id);
        await File.WriteAllLinesAsync(Path.Combine(dataDirectory, "apphost.pids"),
        [
            $"{leftover.Id} {leftoverIdentity.StartTime} cache 15",
            $"{bystander.Id} {ProcessIdentity.Of(bystander.Id).StartTime + 1} postgres 15",
        ]);

        string firstPassword;
        await using (var first = await StartAsync())
        {
            var postgres = (PostgresServerResource)first.GetResource("postgres");
            firstPassword = postgres.Password!;
            Assert.Equal(firstPassword, (await File.ReadAllTextAsync(postgres.PasswordFile!)).Trim());
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(postgres.PasswordFile!));
            Assert.True(leftover.WaitForExit(TimeSpan.FromSeconds(5)), "the leftover from the 'crashed' run is still alive");
            Assert.False(bystander.HasExited, "a process whose start time did not match was killed");
            bystander.Kill();
            await ExecuteAsync(first, "CREATE TABLE survivor (id int); INSERT INTO survivor VALUES (42)");
            await first.StopAsync();
            Assert.Empty(ProcessCheck.Survivors(first));
            Assert.NotEmpty(first.StartedProcesses);
        }

        await using var second = await StartAsync(new Dictionary<string, string?> { ["ExamApi:Replicas"] = "2" });
        Assert.Equal(firstPassword, ((PostgresServerResource)second.GetResource("postgres")).Password);
        Assert.Equal(42, await ExecuteAsync(second, "SELECT id FROM survivor"));
        Assert.Contains("database examdb already exists", second.GetResource("examdb").Log.Tail(50));
        var replicaProcesses = second.GetResource("examapi").Snapshot().Replicas.Select(replica => replica.ProcessId!.Value).ToList();
        Assert.Equal(2, replicaProcesses.Distinct().Count());
        Assert.Subset(second.StartedProcesses.Select(process => process.ProcessId).ToHashSet(), replicaProcesses.ToHashSet());
        await second.DisposeAsync();
        Assert.Empty(ProcessCheck.Survivors(second));
    }

    public void Dispose() => Directory.Delete(dataDirectory, recursive: true);

    private async Task<DistributedApplication> StartAsync(IReadOnlyDictionary<string, string?>? configuration = null)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Program>(
            configuration: configuration, configureOptions: options => options.DataDirectory = dataDirectory);
        var app = builder.Build();
        try
        {
            await app.StartAsync();
            await GraphFixture.WaitForAllHealthyAsync(app);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    private static async Task<object?> ExecuteAsync(DistributedApplication app, string sql)
    {
        await using var connection = new NpgsqlConnection(await app.GetConnectionStringAsync("examdb"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
