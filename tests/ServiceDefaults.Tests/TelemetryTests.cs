using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ServiceDefaults.Tests;

/// <summary>What the OpenTelemetry defaults record: server spans, the application's own source and meter, framework metrics, logs.</summary>
public sealed class TelemetryTests(UnreachableDependenciesHost host) : IClassFixture<UnreachableDependenciesHost>
{
    private static readonly TimeSpan ExportTimeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task ServerSpansAreNamedAfterTheRouteAndProbesAreNotTraced()
    {
        // The probes go first: once the later request's span is recorded, theirs would have been too.
        (await host.Client.GetAsync("/health")).Dispose();
        (await host.Client.GetAsync("/alive")).Dispose();
        (await host.Client.GetAsync("/items/7")).Dispose();

        // A server span stops after the response has been handed to the client.
        var span = await WaitForSpanAsync(activity => activity.GetTagItem("url.path") as string == "/items/7");

        Assert.Equal(ActivityKind.Server, span.Kind);
        Assert.Equal("GET /items/{id}", span.DisplayName);
        Assert.Equal("/items/{id}", span.GetTagItem("http.route"));
        Assert.Equal(200, span.GetTagItem("http.response.status_code"));
        var serverPaths = host.Spans.Snapshot().Where(a => a.Kind == ActivityKind.Server).Select(a => a.GetTagItem("url.path") as string);
        Assert.DoesNotContain("/health", serverPaths);
        Assert.DoesNotContain("/alive", serverPaths);
    }

    [Fact]
    public async Task TheApplicationsActivitySourceIsTraced()
    {
        using var source = new ActivitySource(UnreachableDependenciesHost.ApplicationName);
        var traceId = default(ActivityTraceId);
        using (var activity = source.StartActivity("probe.work"))
        {
            Assert.NotNull(activity);
            traceId = activity.TraceId;
        }

        var span = await WaitForSpanAsync(activity => activity.TraceId == traceId);
        Assert.Equal("probe.work", span.DisplayName);
    }

    [Fact]
    public async Task AspNetCoreRuntimeAndApplicationMetricsAreCollected()
    {
        using var meter = new Meter(UnreachableDependenciesHost.ApplicationName);
        meter.CreateCounter<long>("probe.calls").Add(3);
        (await host.Client.GetAsync("/items/7")).Dispose();

        // The request's duration is recorded when its span stops, just after the client has the response.
        string[] names = [];
        for (var deadline = DateTime.UtcNow + ExportTimeout; DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            host.FlushMetrics();
            names = [.. host.Metrics.Snapshot().Select(metric => metric.Name).Distinct()];
            if (names.Contains("http.server.request.duration")) break;
        }

        Assert.Contains("http.server.request.duration", names);
        Assert.Contains("probe.calls", names);
        Assert.Contains(names, name => name.StartsWith("dotnet.gc.", StringComparison.Ordinal));
    }

    [Fact]
    public void LogsCarryTheFormattedMessageAndScopes()
    {
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ServiceDefaults.Probe.Logs");
        using (logger.BeginScope(new Dictionary<string, object> { ["SessionId"] = "s-42" }))
        {
            logger.LogWarning("Answer to item {ItemId} recorded", 72);
        }

        var log = Assert.Single(host.Logs.Snapshot(), log => log.Category == "ServiceDefaults.Probe.Logs");
        Assert.Equal("Answer to item 72 recorded", log.FormattedMessage);
        Assert.Contains(new KeyValuePair<string, object?>("SessionId", "s-42"), log.Scopes);
    }

    private async Task<Activity> WaitForSpanAsync(Func<Activity, bool> predicate)
    {
        for (var deadline = DateTime.UtcNow + ExportTimeout; DateTime.UtcNow < deadline; await Task.Delay(20))
        {
            if (host.Spans.Snapshot().FirstOrDefault(predicate) is { } span) return span;
        }

        throw new Xunit.Sdk.XunitException("span not recorded; recorded: " +
            string.Join("; ", host.Spans.Snapshot().Select(a => $"{a.Kind} {a.DisplayName}")));
    }
}
