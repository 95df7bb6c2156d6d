using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ServiceDefaults.Tests;

/// <summary>
/// A service with the defaults whose Redis and PostgreSQL are unreachable (port 1): it must still start, say it is
/// alive, and report both dependencies as unhealthy.
/// </summary>
public sealed class DefaultEndpointsTests : IAsyncLifetime
{
    private WebApplication? app;
    private HttpClient? client;

    private HttpClient Client => client!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration["ConnectionStrings:cache"] = "127.0.0.1:1,password=pw,connectTimeout=500";
        builder.Configuration["ConnectionStrings:examdb"] = "Host=127.0.0.1;Port=1;Username=postgres;Password=pw;Database=examdb;Timeout=2";
        builder.AddServiceDefaults();
        builder.AddRedisClient("cache");
        builder.AddNpgsqlDbContext<ProbeDbContext>("examdb");
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

    [Fact]
    public async Task AliveRunsOnlyTheLivenessCheck()
    {
        using var response = await Client.GetAsync("/alive");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(["self"], report.GetProperty("checks").EnumerateObject().Select(check => check.Name));
    }

    [Fact]
    public async Task HealthReportsEachUnreachableDependency()
    {
        using var response = await Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Unhealthy", report.GetProperty("status").GetString());
        var checks = report.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("self").GetProperty("status").GetString());
        Assert.Equal("Unhealthy", checks.GetProperty("cache").GetProperty("status").GetString());
        Assert.Equal("Unhealthy", checks.GetProperty("examdb").GetProperty("status").GetString());
        Assert.Equal("Unhealthy", checks.GetProperty(nameof(ProbeDbContext)).GetProperty("status").GetString());
    }

    [Fact]
    public void PooledDbContextUsesTheSharedNpgsqlDataSource()
    {
        using var scope = app!.Services.CreateScope();
        var context = scope.ServiceProvider.GetRequiredService<ProbeDbContext>();
        Assert.Equal("Npgsql.EntityFrameworkCore.PostgreSQL", context.Database.ProviderName);
        Assert.Contains("Port=1", context.Database.GetConnectionString());
    }

    [Fact]
    public async Task UnhandledExceptionsBecomeProblemDetails()
    {
        using var response = await Client.GetAsync("/boom");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ServerSpansAreNamedAfterTheRoute()
    {
        var names = new List<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (names)
                {
                    names.Add($"{activity.DisplayName} route={activity.GetTagItem("http.route")} status={activity.GetTagItem("http.response.status_code")}");
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        using var response = await Client.GetAsync("/items/7");
        response.EnsureSuccessStatusCode();

        // The server span stops after the response has been handed to the client.
        const string expected = "GET /items/{id} route=/items/{id} status=200";
        for (var attempt = 0; attempt < 50 && !Recorded(); attempt++)
        {
            await Task.Delay(20);
        }

        Assert.True(Recorded(), "server spans seen: " + string.Join("; ", names));

        bool Recorded()
        {
            lock (names)
            {
                return names.Contains(expected);
            }
        }
    }

    /// <summary>A DbContext with no tables: only its registration and health check are under test.</summary>
    public sealed class ProbeDbContext(DbContextOptions<ProbeDbContext> options) : DbContext(options);
}
