using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using StackExchange.Redis;

namespace ServiceDefaults.Tests;

/// <summary>
/// A service with the defaults and Aspire's Redis and PostgreSQL clients whose servers are unreachable (port 1), with
/// its traces, metrics and logs recorded in memory.
/// </summary>
public sealed class UnreachableDependenciesHost : IAsyncLifetime
{
    public const string ApplicationName = "ServiceDefaults.Probe";

    private WebApplication? app;
    private HttpClient? client;

    public HttpClient Client => client!;

    public IServiceProvider Services => app!.Services;

    internal RecordedItems<Activity> Spans { get; } = new();

    internal RecordedItems<Metric> Metrics { get; } = new();

    internal RecordedItems<RecordedLog> Logs { get; } = new();

    public async Task InitializeAsync()
    {
        var builder = ServiceHost.CreateBuilder(ApplicationName);
        builder.Configuration["ConnectionStrings:cache"] = "127.0.0.1:1,connectTimeout=500";
        builder.Configuration["ConnectionStrings:examdb"] = "Host=127.0.0.1;Port=1;Username=postgres;Password=pw;Database=examdb;Timeout=2";
        builder.AddServiceDefaults();
        // As the services do: with Redis down, commands (the health check's PING) fail at once instead of waiting in
        // StackExchange.Redis's backlog for the 5 s timeout.
        builder.AddRedisClient("cache", configureOptions: options => options.BacklogPolicy = BacklogPolicy.FailFast);
        builder.AddNpgsqlDataSource("examdb");
        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddInMemoryExporter(Spans))
            .WithMetrics(metrics => metrics.AddInMemoryExporter(Metrics));
        builder.Logging.AddOpenTelemetry(logging => logging.AddProcessor(new LogRecorder(Logs)));
        app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapGet("/items/{id}", (int id) => TypedResults.Ok(id));
        app.MapGet("/boom", IResult () => throw new InvalidOperationException("boom"));
        await app.StartAsync();
        client = app.GetTestClient();
    }

    public async Task DisposeAsync()
    {
        client?.Dispose();
        if (app is not null)
        {
            await app.DisposeAsync();
        }
    }

    /// <summary>Exports the metrics collected so far into <see cref="Metrics"/>.</summary>
    public void FlushMetrics() => Assert.True(Services.GetRequiredService<MeterProvider>().ForceFlush(5000));

    // Log records are pooled and reused once processed, so what the tests look at is copied out here.
    private sealed class LogRecorder(RecordedItems<RecordedLog> logs) : BaseProcessor<LogRecord>
    {
        public override void OnEnd(LogRecord data)
        {
            var scopes = new List<KeyValuePair<string, object?>>();
            data.ForEachScope((scope, _) =>
            {
                foreach (var item in scope) scopes.Add(item);
            }, (object?)null);
            logs.Add(new RecordedLog(data.CategoryName, data.FormattedMessage, scopes));
        }
    }
}

/// <summary>What a log record carried when it was exported.</summary>
internal sealed record RecordedLog(string? Category, string? FormattedMessage, IReadOnlyList<KeyValuePair<string, object?>> Scopes);
