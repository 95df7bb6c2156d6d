using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ServiceDefaults.Tests;

/// <summary>
/// Every HttpClient from the factory resolves service names through configuration, retries transient failures, and
/// is traced and measured.
/// </summary>
public sealed class HttpClientDefaultsTests
{
    [Fact]
    public async Task AClientReachesAServiceByNameAndRetriesA503()
    {
        var spans = new RecordedItems<Activity>();
        var metrics = new RecordedItems<Metric>();
        var requests = 0;
        var targetBuilder = ServiceHost.CreateLoopbackBuilder();
        await using var target = targetBuilder.Build();
        target.MapGet("/ping", () => Interlocked.Increment(ref requests) == 1
            ? Results.StatusCode(StatusCodes.Status503ServiceUnavailable)
            : Results.Text("pong"));
        await target.StartAsync();

        var builder = ServiceHost.CreateBuilder("ServiceDefaults.ClientProbe");
        // What the AppHost passes for a referenced service: services__target__http__0=http://127.0.0.1:PORT.
        builder.Configuration["services:target:http:0"] = target.Address().ToString();
        builder.AddServiceDefaults();
        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddInMemoryExporter(spans))
            .WithMetrics(meters => meters.AddInMemoryExporter(metrics));
        await using var app = builder.Build();
        await app.StartAsync();

        using var client = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient();
        using var response = await client.GetAsync("http://target/ping");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("pong", await response.Content.ReadAsStringAsync());
        Assert.Equal(2, Volatile.Read(ref requests));
        // One client span per attempt, each to the resolved address.
        var attempts = spans.Snapshot().Where(span => span.Kind == ActivityKind.Client).ToArray();
        Assert.Equal([503, 200], attempts.Select(span => span.GetTagItem("http.response.status_code")));
        Assert.All(attempts, span => Assert.Equal("127.0.0.1", span.GetTagItem("server.address")));
        Assert.True(app.Services.GetRequiredService<MeterProvider>().ForceFlush(5000));
        Assert.Contains(metrics.Snapshot(), metric => metric.Name == "http.client.request.duration");
    }
}
