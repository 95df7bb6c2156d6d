using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace GraphHost;

/// <summary>
/// The Aspire dashboard of a graph started with <see cref="ExamGraphOptions.Dashboard"/>: where it listens and the browser
/// token that logs in to it, in a browser (<see cref="LoginUrl"/>) or to its telemetry API (<see cref="OpenTelemetryAsync"/>).
/// </summary>
/// <param name="Url">The dashboard's base URL (http, loopback).</param>
/// <param name="BrowserToken">The token its login page and <c>POST /api/telemetry/validateToken</c> accept.</param>
public sealed record GraphDashboard(Uri Url, string BrowserToken)
{
    /// <summary>The link that logs a browser in.</summary>
    public Uri LoginUrl => new(Url, $"/login?t={Uri.EscapeDataString(BrowserToken)}");

    /// <summary>Exchanges the browser token for the telemetry API's key and returns a client of that API.</summary>
    public async Task<DashboardTelemetry> OpenTelemetryAsync(CancellationToken cancellationToken = default)
    {
        var client = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            using var validated = await client.PostAsJsonAsync("/api/telemetry/validateToken", new { token = BrowserToken }, cancellationToken);
            if (!validated.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"The dashboard at {Url} refused its browser token: {(int)validated.StatusCode} {validated.ReasonPhrase}.");
            }

            // Null when the telemetry API is unsecured.
            var apiKey = (await validated.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))?["apiKey"]?.GetValue<string>();
            if (apiKey is not null) client.DefaultRequestHeaders.Add("x-api-key", apiKey);
            return new DashboardTelemetry(client);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }
}

/// <summary>The dashboard's telemetry API: what the graph's services sent it over OTLP.</summary>
public sealed class DashboardTelemetry : IDisposable
{
    private readonly HttpClient client;

    internal DashboardTelemetry(HttpClient client) => this.client = client;

    /// <summary>
    /// The traces the dashboard holds with spans of <paramref name="resource"/> (e.g. <c>examapi</c>, every replica): 0
    /// when none has arrived. The dashboard keeps the last 10,000 by default, so a long run reads that many.
    /// </summary>
    public async Task<int> TraceCountAsync(string resource, CancellationToken cancellationToken = default)
    {
        using var response = await client.GetAsync($"/api/telemetry/traces?resource={Uri.EscapeDataString(resource)}&limit=1", cancellationToken);
        // The API does not know a resource until its first telemetry arrives.
        if (response.StatusCode == HttpStatusCode.NotFound) return 0;
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))?["totalCount"]?.GetValue<int>()
            ?? throw new InvalidOperationException("The dashboard's traces answer has no totalCount.");
    }

    /// <summary>
    /// Waits until the dashboard holds traces of <paramref name="resource"/> and their count has stopped growing, at most
    /// <paramref name="timeout"/>, and returns the count then (0 when none arrived). The services export in batches a
    /// second apart under the AppHost's Development settings, so a count unchanged for 2 s is what they had sent.
    /// </summary>
    public async Task<int> WaitForTracesAsync(string resource, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        var (count, unchangedSince) = (0, DateTime.UtcNow);
        while (DateTime.UtcNow < deadline)
        {
            var now = await TraceCountAsync(resource, cancellationToken);
            if (now != count) (count, unchangedSince) = (now, DateTime.UtcNow);
            else if (count > 0 && DateTime.UtcNow - unchangedSince >= TimeSpan.FromSeconds(2)) return count;
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }

        return count;
    }

    /// <summary>Every resource the dashboard holds telemetry of, as its API lists them (name, hasLogs, hasTraces, hasMetrics).</summary>
    public async Task<JsonArray> ResourcesAsync(CancellationToken cancellationToken = default) =>
        await client.GetFromJsonAsync<JsonArray>("/api/telemetry/resources", cancellationToken)
            ?? throw new InvalidOperationException("The dashboard's resources answer is empty.");

    /// <inheritdoc/>
    public void Dispose() => client.Dispose();
}
