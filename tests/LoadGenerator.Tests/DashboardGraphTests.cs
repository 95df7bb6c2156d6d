using System.Net;
using System.Text.Json.Nodes;
using GraphHost;

namespace LoadGenerator.Tests;

/// <summary>
/// The graph with the Aspire dashboard (<c>loadgen --graph --dashboard</c>): the services' telemetry reaches it over OTLP,
/// as under <c>dotnet run --project AppHost</c>, and the dashboard stops with the graph.
/// </summary>
public sealed class DashboardGraphTests
{
    private const string AdminKey = "loadgen-tests-admin-key-0123456789";

    [Fact]
    public async Task ExamApi_traces_reach_the_dashboard_and_the_dashboard_stops_with_the_graph()
    {
        ExamGraph graph;
        await using (var started = await TargetGraph.StartAsync(AdminKey, TimeSpan.FromSeconds(120), dashboard: true))
        {
            graph = started.Graph;
            var dashboard = graph.Dashboard!;
            Assert.True(dashboard.Url.IsLoopback, dashboard.Url.ToString());

            using (var api = new HttpClient { BaseAddress = started.Target.BaseUrls[0] })
            using (var request = new HttpRequestMessage(HttpMethod.Get, "/api/items?subject=dashboard-test"))
            {
                request.Headers.Add("X-Api-Key", AdminKey);
                using var listed = await api.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
            }

            Assert.True(await started.Target.CountDashboardTraces!(CancellationToken.None) > 0, "No ExamApi trace reached the dashboard within 30 s.");

            // Both services send their structured logs and metrics too (metrics every second).
            using var telemetry = await dashboard.OpenTelemetryAsync();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            JsonArray resources;
            while (!AllExport(resources = await telemetry.ResourcesAsync()) && DateTime.UtcNow < deadline) await Task.Delay(500);
            Assert.True(AllExport(resources), resources.ToJsonString());

            Assert.Contains(graph.ProcessesSeen, pid => Processes.CommandLine(pid)?.Contains("Aspire.Dashboard", StringComparison.Ordinal) == true);
            Assert.True(graph.SampleCpu()["dashboard"] > 0);
        }

        Assert.Empty(graph.Survivors());
    }

    private static bool AllExport(JsonArray resources) =>
        new[] { "examapi", "cleanupworker" }.All(service => resources.Any(resource => resource!["name"]!.GetValue<string>() == service
            && resource["hasLogs"]!.GetValue<bool>() && resource["hasMetrics"]!.GetValue<bool>()));
}
