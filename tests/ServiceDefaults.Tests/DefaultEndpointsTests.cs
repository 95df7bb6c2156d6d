using System.Net;
using System.Text.Json;

namespace ServiceDefaults.Tests;

/// <summary>
/// The health endpoints and error responses of a service whose Redis and PostgreSQL are unreachable: it still starts,
/// says it is alive, and reports both dependencies (Aspire's checks) as unhealthy.
/// </summary>
public sealed class DefaultEndpointsTests(UnreachableDependenciesHost host) : IClassFixture<UnreachableDependenciesHost>
{
    [Fact]
    public async Task AliveRunsOnlyTheSelfCheck()
    {
        using var response = await host.Client.GetAsync("/alive");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = await ReadJsonAsync(response);
        Assert.Equal("Healthy", report.GetProperty("status").GetString());
        Assert.Equal(["self"], report.GetProperty("checks").EnumerateObject().Select(check => check.Name));
    }

    [Fact]
    public async Task HealthIs503AndNamesEachUnreachableDependency()
    {
        using var response = await host.Client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var report = await ReadJsonAsync(response);
        Assert.Equal("Unhealthy", report.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Number, report.GetProperty("totalDurationMs").ValueKind);
        var checks = report.GetProperty("checks");
        Assert.Equal(["PostgreSql", "StackExchange.Redis", "self"], checks.EnumerateObject().Select(check => check.Name).Order(StringComparer.Ordinal));
        Assert.Equal("Healthy", checks.GetProperty("self").GetProperty("status").GetString());
        foreach (var name in (string[])["StackExchange.Redis", "PostgreSql"])
        {
            var check = checks.GetProperty(name);
            Assert.Equal("Unhealthy", check.GetProperty("status").GetString());
            // Aspire's checks leave the description empty; the writer falls back to the exception's message.
            Assert.False(string.IsNullOrWhiteSpace(check.GetProperty("description").GetString()), $"{name} has no description");
            Assert.Equal(JsonValueKind.Number, check.GetProperty("durationMs").ValueKind);
        }
    }

    [Fact]
    public async Task AnUnhandledExceptionBecomesProblemDetails()
    {
        using var response = await host.Client.GetAsync("/boom");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(500, (await ReadJsonAsync(response)).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task ARouteValueThatDoesNotBindIsA400NamingTheParameter()
    {
        using var response = await host.Client.GetAsync("/items/seven");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ReadJsonAsync(response);
        Assert.Equal("Invalid request", problem.GetProperty("title").GetString());
        Assert.Equal("id", problem.GetProperty("field").GetString());
        Assert.Contains("seven", problem.GetProperty("detail").GetString());
    }

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
}
