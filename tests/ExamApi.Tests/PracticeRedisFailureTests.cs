using System.Net;

namespace ExamApi.Tests;

/// <summary>
/// Practice generation with Redis evicted, and with Redis stopped while sessions are being generated: the same session
/// from Postgres, and a response that says nothing is wrong. Runs on the graph of the tests that stop servers.
/// </summary>
[Collection(FaultGraphCollection.Name)]
public sealed class PracticeRedisFailureTests(FaultGraphFixture fixture)
{
    private const string Subject = "test-math";
    private const long Seed = 4_242_424_242;
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(30);
    private readonly PracticeClient practice = new(new ExamClient(fixture.CreateClient()));

    [Fact]
    public async Task EvictedOrStoppedMidGenerationRedisGivesTheSameSessionFromPostgres()
    {
        var student = await practice.StudentWithoutRunningExamAsync(Subject);
        await fixture.SeedProficiencyAsync(student, Subject, ("", 0.4, 0.3), ("geometry", -0.9, 0.5));
        var cold = await practice.StartSessionAsync(student, Subject, size: 10, seed: Seed);
        var warm = await practice.StartSessionAsync(student, Subject, size: 10, seed: Seed);
        Assert.Equal(cold.ItemIds, warm.ItemIds);
        Assert.Equal(Sections(cold), Sections(warm));

        await fixture.Redis.GetServer(fixture.Redis.GetEndPoints()[0]).FlushAllDatabasesAsync();
        var evicted = await practice.StartSessionAsync(student, Subject, size: 10, seed: Seed);
        Assert.Equal(cold.ItemIds, evicted.ItemIds);

        // Generations keep going while Redis stops under them.
        using var generating = new CancellationTokenSource();
        var during = Task.Run(async () =>
        {
            var sessions = new List<ApiResponse>();
            while (!generating.IsCancellationRequested) sessions.Add(await practice.StartAsync(new { studentId = student, subject = Subject, size = 10, seed = Seed }));
            return sessions;
        });
        try
        {
            await Task.Delay(200);
            await fixture.Graph.StopAsync("cache");
            await Task.Delay(500);
            await generating.CancelAsync();
            var responses = await during;
            Assert.True(responses.Count > 2, $"{responses.Count} generations");
            foreach (var response in responses)
            {
                Assert.True(response.Status == HttpStatusCode.Created, response.Body);
                var session = new StartedPractice(Guid.Parse(response.Json!["sessionId"]!.GetValue<string>()), response.Json["token"]!.GetValue<string>(), response.Json);
                Assert.Equal(cold.ItemIds, session.ItemIds);
                Assert.Equal(cold.Json.AsObject().Select(p => p.Key), response.Json.AsObject().Select(p => p.Key));
                Assert.Equal(cold.Json["notes"]!.ToJsonString(), response.Json["notes"]!.ToJsonString());
            }

            var down = await practice.StartSessionAsync(student, Subject, size: 10, seed: Seed);
            Assert.Equal(cold.ItemIds, down.ItemIds);
            Assert.Equal(Sections(cold), Sections(down));
            // Answers, reads and completion need no Redis either.
            Assert.Equal(HttpStatusCode.OK, (await practice.AnswerAsync(down, down.ItemIds[0], 0)).Status);
            Assert.Equal(HttpStatusCode.OK, (await practice.GetAsync(down)).Status);
            Assert.Equal(HttpStatusCode.OK, (await practice.CompleteAsync(down)).Status);
        }
        finally
        {
            await generating.CancelAsync();
            using var recovery = new CancellationTokenSource(RecoveryTimeout);
            await fixture.Graph.StartAsync("cache", cancellationToken: recovery.Token);
        }
    }

    private static string Sections(StartedPractice session) => session.Json["sections"]!.ToJsonString();
}
