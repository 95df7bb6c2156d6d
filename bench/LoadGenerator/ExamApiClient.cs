using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace LoadGenerator;

/// <summary>What one logical request (including its retries on other base URLs) came back with.</summary>
/// <param name="Status">The HTTP status code, or 0 when no base URL answered.</param>
/// <param name="Body">The parsed body of a success.</param>
/// <param name="ProblemTitle">The ProblemDetails title of a failure (or the connection error's message).</param>
internal readonly record struct ApiResult<T>(int Status, T? Body, string? ProblemTitle)
{
    public bool Succeeded => Status is >= 200 and < 300 && Body is not null;
}

/// <summary>
/// Calls ExamApi over one or more base URLs, round robin per request. A request that gets no response (connection
/// refused or reset, timeout) is sent again to the next URL, each URL at most twice: answers, completions and item
/// reads are idempotent on the server, and a repeated start at worst leaves one unused session. Latency of a success
/// is recorded from the caller's <c>began</c> timestamp, which the open loop sets to the scheduled time.
/// </summary>
internal sealed class ExamApiClient : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly HttpClient[] clients;
    private readonly LoadMetrics metrics;
    private readonly string adminKey;
    private int next = -1;

    public ExamApiClient(ExamTarget target, LoadMetrics metrics, TimeSpan requestTimeout)
    {
        this.metrics = metrics;
        adminKey = target.AdminKey;
        clients = [.. target.BaseUrls.Select(url => new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            MaxConnectionsPerServer = int.MaxValue,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        })
        { BaseAddress = url, Timeout = requestTimeout })];
    }

    public Task<ApiResult<StartResponse>> StartAsync(StartRequest request, long began, CancellationToken cancellationToken) =>
        SendAsync(ExamEndpoint.Start, HttpMethod.Post, "/api/adaptive/start", JsonSerializer.SerializeToUtf8Bytes(request, ApiJson.Default.StartRequest),
            null, ApiJson.Default.StartResponse, began, cancellationToken);

    public Task<ApiResult<AnswerResponse>> AnswerAsync(AnswerRequest request, string token, long began, CancellationToken cancellationToken) =>
        SendAsync(ExamEndpoint.Answer, HttpMethod.Post, "/api/adaptive/answer", JsonSerializer.SerializeToUtf8Bytes(request, ApiJson.Default.AnswerRequest),
            new AuthenticationHeaderValue("Bearer", token), ApiJson.Default.AnswerResponse, began, cancellationToken);

    public Task<ApiResult<StatusResponse>> RebuildStatusAsync(Guid sessionId, string token, CancellationToken cancellationToken) =>
        SendAsync(ExamEndpoint.Rebuild, HttpMethod.Get, $"/api/adaptive/{sessionId}", null,
            new AuthenticationHeaderValue("Bearer", token), ApiJson.Default.StatusResponse, Stopwatch.GetTimestamp(), cancellationToken);

    public Task<ApiResult<CompleteResponse>> CompleteAsync(Guid sessionId, string token, CancellationToken cancellationToken) =>
        SendAsync(ExamEndpoint.Complete, HttpMethod.Post, "/api/adaptive/complete", JsonSerializer.SerializeToUtf8Bytes(new CompleteRequest(sessionId), ApiJson.Default.CompleteRequest),
            new AuthenticationHeaderValue("Bearer", token), ApiJson.Default.CompleteResponse, Stopwatch.GetTimestamp(), cancellationToken);

    public Task<ApiResult<ItemPage>> ListItemsAsync(string subject, int page, int pageSize, CancellationToken cancellationToken) =>
        SendAsync(ExamEndpoint.Items, HttpMethod.Get, $"/api/items?subject={Uri.EscapeDataString(subject)}&page={page}&pageSize={pageSize}", null,
            null, ApiJson.Default.ItemPage, Stopwatch.GetTimestamp(), cancellationToken);

    public Task<ApiResult<ImportResponse>> ImportAsync(ItemInput[] items, CancellationToken cancellationToken) =>
        SendAsync(ExamEndpoint.Items, HttpMethod.Post, "/api/items/import", JsonSerializer.SerializeToUtf8Bytes(items, ApiJson.Default.ItemInputArray),
            null, ApiJson.Default.ImportResponse, Stopwatch.GetTimestamp(), cancellationToken);

    public void Dispose()
    {
        foreach (var client in clients) client.Dispose();
    }

    private async Task<ApiResult<T>> SendAsync<T>(
        ExamEndpoint endpoint, HttpMethod method, string path, byte[]? body, AuthenticationHeaderValue? token,
        JsonTypeInfo<T> responseType, long began, CancellationToken cancellationToken)
    {
        var first = (int)((uint)Interlocked.Increment(ref next) % (uint)clients.Length);
        var attempts = clients.Length * 2;
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null) request.Content = new ByteArrayContent(body) { Headers = { ContentType = Json } };
            if (token is not null) request.Headers.Authorization = token;
            else if (endpoint == ExamEndpoint.Items) request.Headers.Add("X-Api-Key", adminKey);
            try
            {
                using var response = await clients[(first + attempt) % clients.Length].SendAsync(request, cancellationToken);
                var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                var status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    var value = JsonSerializer.Deserialize(bytes, responseType);
                    metrics.Latency(endpoint, Stopwatch.GetTimestamp() - began);
                    return new ApiResult<T>(status, value, null);
                }

                var problem = Problem(bytes);
                metrics.Error(endpoint, status.ToString(System.Globalization.CultureInfo.InvariantCulture), problem is null ? null : $"{problem.Title}: {problem.Detail}");
                return new ApiResult<T>(status, default, problem?.Title);
            }
            catch (Exception error) when (IsConnectionFailure(error, cancellationToken))
            {
                if (attempt + 1 >= attempts)
                {
                    metrics.Error(endpoint, "connection", error.Message);
                    return new ApiResult<T>(0, default, error.Message);
                }

                metrics.ConnectionRetried();
                // Every URL failed once in this round: give a restarting server a moment before the next round.
                if ((attempt + 1) % clients.Length == 0) await Task.Delay(100, cancellationToken);
            }
        }
    }

    private static bool IsConnectionFailure(Exception error, CancellationToken cancellationToken) => error switch
    {
        HttpRequestException or IOException => true,
        // HttpClient reports its own timeout as a cancellation that the caller did not ask for.
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    private static ProblemBody? Problem(byte[] body)
    {
        try
        {
            return body.Length == 0 ? null : JsonSerializer.Deserialize(body, ApiJson.Default.ProblemBody);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
