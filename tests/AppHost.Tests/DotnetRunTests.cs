using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace AppHost.Tests;

/// <summary>
/// The README's first command, <c>dotnet run --project AppHost</c>, which the testing builder bypasses: the launch
/// profile, the dashboard and its telemetry, the console, Ctrl+C and SIGTERM, a killed orchestrator, a port in use.
/// </summary>
public sealed class DotnetRunTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly string dataDirectory = Directory.CreateTempSubdirectory("apphost-run-").FullName;

    public DotnetRunTests() => File.SetUnixFileMode(dataDirectory, (UnixFileMode)0b111_101_101);

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task StartsEveryResourceHealthyWithTheDashboardAndStopsEverythingOnTheSignal(string signal)
    {
        await using var run = AppHostProcess.Start(dataDirectory);
        await run.WaitForLineAsync("All 5 resources are healthy", StartTimeout);
        Assert.Contains(run.Lines, line => line.Contains($"Login to the dashboard at http://localhost:{run.DashboardPort}/login?t=", StringComparison.Ordinal));
        Assert.Contains(run.Lines, line => line.Contains("Redis and PostgreSQL run as local processes", StringComparison.Ordinal));
        using (var client = new HttpClient { BaseAddress = new Uri($"http://localhost:{run.ExamApiPort}"), Timeout = TimeSpan.FromSeconds(30) })
        {
            await GraphFixture.PollHealthAsync(client, HttpStatusCode.OK);
            if (signal == "INT") await AssertAnAnswerIsTracedThroughRedisAndPostgresAsync(run, client);
        }

        var processes = run.RecordProcesses();
        Assert.Contains(processes, pid => GraphHost.Processes.CommandLine(pid)?.Contains("redis-server", StringComparison.Ordinal) == true);
        Assert.Contains(processes, pid => GraphHost.Processes.CommandLine(pid)?.EndsWith("ExamApi.dll", StringComparison.Ordinal) == true);

        run.Signal(signal);
        await run.WaitForExitAsync(StopTimeout);

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(await run.SurvivorsAfterAsync(TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task AKilledAppHostLeavesNoProcessAndTheNextRunStartsOnTheSameData()
    {
        await using (var first = AppHostProcess.Start(dataDirectory))
        {
            await first.WaitForLineAsync("All 5 resources are healthy", StartTimeout);
            first.RecordProcesses();

            GraphHost.Processes.Kill(first.AppHostProcessId());

            Assert.Empty(await first.SurvivorsAfterAsync(TimeSpan.FromSeconds(20)));
        }

        await using var second = AppHostProcess.Start(dataDirectory);
        await second.WaitForLineAsync("All 5 resources are healthy", StartTimeout);
        second.RecordProcesses();
        second.Signal("TERM");
        await second.WaitForExitAsync(StopTimeout);
        Assert.Empty(await second.SurvivorsAfterAsync(TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task AnExamApiPortInUseEndsTheRunAtOnceNamingThePort()
    {
        var port = AppHostProcess.FreePort();
        using var holder = new System.Net.Sockets.TcpListener(IPAddress.Loopback, port);
        holder.Start();

        await using var run = AppHostProcess.Start(dataDirectory, examApiPort: port);
        await run.WaitForExitAsync(StopTimeout);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(run.Lines, line => line.Contains($"port {port} of 'examapi' (http endpoint) is in use by another process", StringComparison.Ordinal));
        Assert.Empty(await run.SurvivorsAfterAsync(TimeSpan.Zero));
    }

    public void Dispose() => Directory.Delete(dataDirectory, recursive: true);

    /// <summary>
    /// One answer, then the dashboard's telemetry API (login token → API key → traces): ExamApi's span of the answer and,
    /// in the same trace, its Redis and PostgreSQL client spans and the batch that committed it; and logs and metrics
    /// from both services.
    /// </summary>
    private static async Task AssertAnAnswerIsTracedThroughRedisAndPostgresAsync(AppHostProcess run, HttpClient api)
    {
        string studentToken;
        using (var tokenRequest = new HttpRequestMessage(HttpMethod.Post, "/api/students/traced/tokens"))
        {
            tokenRequest.Headers.Add("X-Api-Key", AppHostProcess.UserSecret("Parameters:admin-key"));
            using var issued = await api.SendAsync(tokenRequest);
            var body = JsonNode.Parse(await issued.Content.ReadAsStringAsync())!;
            Assert.True(issued.StatusCode == HttpStatusCode.OK, body.ToJsonString());
            studentToken = body["token"]!.GetValue<string>();
        }

        using var start = new HttpRequestMessage(HttpMethod.Post, "/api/adaptive/start")
        {
            Content = JsonContent.Create(new { studentId = "traced", subject = "math" }),
            Headers = { Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", studentToken) },
        };
        using (var started = await api.SendAsync(start))
        {
            var exam = JsonNode.Parse(await started.Content.ReadAsStringAsync())!;
            Assert.True(started.StatusCode == HttpStatusCode.Created, exam.ToJsonString());
            using var answer = new HttpRequestMessage(HttpMethod.Post, "/api/adaptive/answer")
            {
                Content = JsonContent.Create(new { sessionId = exam["sessionId"]!.GetValue<Guid>(), itemId = exam["item"]!["id"]!.GetValue<long>(), response = 0 }),
            };
            answer.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", exam["token"]!.GetValue<string>());
            using var answered = await api.SendAsync(answer);
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        }

        var login = await run.WaitForLineAsync("/login?t=", TimeSpan.FromSeconds(1));
        var token = login[(login.IndexOf("/login?t=", StringComparison.Ordinal) + "/login?t=".Length)..].Trim();
        using var dashboard = new HttpClient { BaseAddress = new Uri($"http://localhost:{run.DashboardPort}") };
        using var validated = await dashboard.PostAsJsonAsync("/api/telemetry/validateToken", new { token });
        var apiKey = JsonNode.Parse(await validated.Content.ReadAsStringAsync())!["apiKey"]!.GetValue<string>();
        dashboard.DefaultRequestHeaders.Add("x-api-key", apiKey);

        // StackExchange.Redis spans reach the exporter when its profiling sessions are flushed (about every 10 s).
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var seen = "nothing";
        while (DateTime.UtcNow < deadline)
        {
            var spans = Spans(JsonNode.Parse(await dashboard.GetStringAsync("/api/telemetry/traces?resource=examapi&limit=200")));
            var answerTraces = spans.Where(span => span.Name.Contains("/api/adaptive/answer", StringComparison.Ordinal)).Select(span => span.TraceId).ToHashSet();
            var traced = spans.Where(span => answerTraces.Contains(span.TraceId)).GroupBy(span => span.TraceId)
                .FirstOrDefault(trace => trace.Any(span => span.DatabaseSystem == "redis") && trace.Any(span => span.DatabaseSystem == "postgresql")
                    // The group commit that wrote this answer: in the answer's own trace, not the trace of whichever
                    // request first created the writer.
                    && trace.Any(span => span.Name == "exam.attempt_batch"));
            if (traced is not null)
            {
                // Every service sends its structured logs and metrics to the dashboard too.
                var resources = JsonNode.Parse(await dashboard.GetStringAsync("/api/telemetry/resources"))!.AsArray();
                foreach (var service in new[] { "examapi", "cleanupworker" })
                {
                    var telemetry = resources.Single(resource => resource!["name"]!.GetValue<string>() == service)!;
                    Assert.True(telemetry["hasLogs"]!.GetValue<bool>() && telemetry["hasMetrics"]!.GetValue<bool>(), $"{service}: {telemetry.ToJsonString()}");
                }

                return;
            }
            seen = string.Join("; ", spans.Select(span => $"{span.Name} [{span.DatabaseSystem}]").Distinct().Take(30));
            await Task.Delay(1000);
        }

        Assert.Fail($"No trace of the answer with ExamApi, Redis, PostgreSQL and exam.attempt_batch spans reached the dashboard within 60 s; spans seen: {seen}");
    }

    private sealed record Span(string TraceId, string Name, string? DatabaseSystem);

    // The telemetry API answers OTLP/JSON: spans are objects with traceId, spanId, name and attributes [{key, value}].
    private static List<Span> Spans(JsonNode? node)
    {
        var spans = new List<Span>();
        void Walk(JsonNode? current)
        {
            switch (current)
            {
                case JsonObject span when span["spanId"] is not null && span["traceId"] is not null && span["name"] is not null:
                    var database = span["attributes"]?.AsArray().FirstOrDefault(attribute =>
                        attribute?["key"]?.GetValue<string>() is "db.system" or "db.system.name")?["value"];
                    spans.Add(new Span(span["traceId"]!.GetValue<string>(), span["name"]!.GetValue<string>(),
                        database?.AsObject().FirstOrDefault().Value?.GetValue<string>()));
                    break;
                case JsonObject other:
                    foreach (var (_, child) in other) Walk(child);
                    break;
                case JsonArray array:
                    foreach (var child in array) Walk(child);
                    break;
            }
        }

        Walk(node);
        return spans;
    }
}
