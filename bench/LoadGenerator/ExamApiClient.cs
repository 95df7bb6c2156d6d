using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
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
/// refused or reset, timeout) is sent again to the next URL, each URL at most twice: answers and completions (exam and
/// practice), reads and cache clears are idempotent on the server, and a repeated start (exam or practice) at worst
/// leaves one unused session. Latency of a success is recorded from the caller's <c>began</c> timestamp, which the open
/// loop sets to the scheduled time. A start (exam or practice) carries the student's token, which the client fetches
/// with the admin key before the student's first start and then reuses; that first start's latency is counted from
/// when the token arrived (the fetch is timed as its own endpoint).
/// </summary>
internal sealed class ExamApiClient : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly HttpClient[] clients;
    private readonly LoadMetrics metrics;
    private readonly string adminKey;
    private readonly ConcurrentDictionary<string, string> studentTokens = new(StringComparer.Ordinal);
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

    /// <summary>
    /// Creates and activates the run's exam design of <paramref name="maxItems"/> items (EAP, the first item among the 5
    /// most informative, then maximum information, the SE target when given); returns its id.
    /// </summary>
    public async Task<string> CreateDesignAsync(string id, string subject, int maxItems, double? seTarget, CancellationToken cancellationToken)
    {
        var definition = new JsonObject
        {
            ["firstItem"] = new JsonObject { ["rule"] = "randomesque", ["candidates"] = 5 },
            ["stopping"] = new JsonObject { ["maxItems"] = maxItems, ["seTarget"] = seTarget },
        };
        await AdminAsync(HttpMethod.Post, "/api/designs", new JsonObject { ["id"] = id, ["subject"] = subject, ["definition"] = definition }, cancellationToken);
        await AdminAsync(HttpMethod.Post, $"/api/designs/{id}/versions/1/activate", null, cancellationToken);
        return id;
    }

    // Tried on each URL in turn, so a dead replica does not stop the setup.
    private async Task AdminAsync(HttpMethod method, string path, JsonObject? body, CancellationToken cancellationToken)
    {
        for (var k = 0; ; k++)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null) request.Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
            request.Headers.Add("X-Api-Key", adminKey);
            HttpResponseMessage response;
            try
            {
                response = await clients[k].SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException) when (k + 1 < clients.Length)
            {
                continue;
            }
            using (response)
            {
                if (response.IsSuccessStatusCode) return;
                throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }
        }
    }

    public async Task<ApiResult<StartResponse>> StartAsync(StartRequest request, long began, CancellationToken cancellationToken)
    {
        var credential = await StudentCredentialAsync(request.StudentId, began, cancellationToken);
        if (credential.Token is null) return new ApiResult<StartResponse>(credential.Status, default, credential.ProblemTitle);
        return await SendAsync(ExamEndpoint.Start, HttpMethod.Post, "/api/adaptive/start", JsonSerializer.SerializeToUtf8Bytes(request, ApiJson.Default.StartRequest),
            new AuthenticationHeaderValue("Bearer", credential.Token), ApiJson.Default.StartResponse, credential.Began, cancellationToken);
    }

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

    public async Task<ApiResult<PracticeStartResponse>> StartPracticeAsync(PracticeStartRequest request, CancellationToken cancellationToken)
    {
        var credential = await StudentCredentialAsync(request.StudentId, Stopwatch.GetTimestamp(), cancellationToken);
        if (credential.Token is null) return new ApiResult<PracticeStartResponse>(credential.Status, default, credential.ProblemTitle);
        return await SendAsync(ExamEndpoint.PracticeStart, HttpMethod.Post, "/api/practice/sessions", JsonSerializer.SerializeToUtf8Bytes(request, ApiJson.Default.PracticeStartRequest),
            new AuthenticationHeaderValue("Bearer", credential.Token), ApiJson.Default.PracticeStartResponse, credential.Began, cancellationToken);
    }

    public Task<ApiResult<PracticeAnswerResponse>> AnswerPracticeAsync(Guid sessionId, PracticeAnswerRequest request, string token, CancellationToken cancellationToken) =>
        SendAsync(ExamEndpoint.PracticeAnswer, HttpMethod.Post, $"/api/practice/sessions/{sessionId}/answers", JsonSerializer.SerializeToUtf8Bytes(request, ApiJson.Default.PracticeAnswerRequest),
            new AuthenticationHeaderValue("Bearer", token), ApiJson.Default.PracticeAnswerResponse, Stopwatch.GetTimestamp(), cancellationToken);

    public Task<ApiResult<PracticeCompleteResponse>> CompletePracticeAsync(Guid sessionId, string token, CancellationToken cancellationToken) =>
        SendAsync(ExamEndpoint.PracticeComplete, HttpMethod.Post, $"/api/practice/sessions/{sessionId}/complete", null,
            new AuthenticationHeaderValue("Bearer", token), ApiJson.Default.PracticeCompleteResponse, Stopwatch.GetTimestamp(), cancellationToken);

    public Task<ApiResult<CacheClearResponse>> ClearCacheAsync(CacheClearRequest request, CancellationToken cancellationToken) =>
        SendAsync(ExamEndpoint.Cache, HttpMethod.Post, "/api/cache/clear", JsonSerializer.SerializeToUtf8Bytes(request, ApiJson.Default.CacheClearRequest),
            null, ApiJson.Default.CacheClearResponse, Stopwatch.GetTimestamp(), cancellationToken);

    /// <summary>The cache statistics of one replica (each counts its own lookups).</summary>
    public Task<ApiResult<CacheStatsResponse>> CacheStatsAsync(int replica, CancellationToken cancellationToken) =>
        SendAsync(ExamEndpoint.Cache, HttpMethod.Get, "/api/cache/stats", null, null, ApiJson.Default.CacheStatsResponse, Stopwatch.GetTimestamp(), cancellationToken, replica);

    // A day: longer than any run, so a cached token never expires under it.
    private static readonly byte[] StudentTokenBody = JsonSerializer.SerializeToUtf8Bytes(new StudentTokenRequest(24 * 3600), ApiJson.Default.StudentTokenRequest);

    // The student's token from the cache, or fetched (one request per student; two students' first starts at once may
    // both fetch, which costs one request and changes nothing). A failed fetch is not cached: the start fails with its
    // status and is retried like any other failed start.
    private async Task<(string? Token, long Began, int Status, string? ProblemTitle)> StudentCredentialAsync(string studentId, long began, CancellationToken cancellationToken)
    {
        if (studentTokens.TryGetValue(studentId, out var cached)) return (cached, began, 0, null);
        var issued = await SendAsync(ExamEndpoint.StudentToken, HttpMethod.Post, $"/api/students/{Uri.EscapeDataString(studentId)}/tokens", StudentTokenBody,
            null, ApiJson.Default.StudentTokenResponse, Stopwatch.GetTimestamp(), cancellationToken);
        if (!issued.Succeeded) return (null, began, issued.Status, issued.ProblemTitle);
        studentTokens[studentId] = issued.Body!.Token;
        return (issued.Body.Token, Stopwatch.GetTimestamp(), 0, null);
    }

    /// <summary>ExamApi replicas (base URLs) the client sends to.</summary>
    public int Replicas => clients.Length;

    public void Dispose()
    {
        foreach (var client in clients) client.Dispose();
    }

    // "app;dur=1.2, rebuild;dur=0.8" (ExamApi with Exam:ServerTiming): the server's share of the latency, and the rebuilds.
    private void RecordServerTiming(ExamEndpoint endpoint, IEnumerable<string> headers)
    {
        foreach (var metric in headers.SelectMany(header => header.Split(',', StringSplitOptions.TrimEntries)))
        {
            var parts = metric.Split(';', StringSplitOptions.TrimEntries);
            var duration = parts.Skip(1).FirstOrDefault(p => p.StartsWith("dur=", StringComparison.Ordinal));
            if (duration is null || !double.TryParse(duration.AsSpan(4), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ms)) continue;
            var ticks = (long)(ms * Stopwatch.Frequency / 1000.0);
            if (parts[0] == "app") metrics.ServerLatency(endpoint, ticks);
            else if (parts[0] == "rebuild") metrics.ServerRebuild(ticks);
        }
    }

    private async Task<ApiResult<T>> SendAsync<T>(
        ExamEndpoint endpoint, HttpMethod method, string path, byte[]? body, AuthenticationHeaderValue? token,
        JsonTypeInfo<T> responseType, long began, CancellationToken cancellationToken, int? replica = null)
    {
        // A request for one replica is sent to it alone (twice at most); the others go round robin.
        var first = replica ?? (int)((uint)Interlocked.Increment(ref next) % (uint)clients.Length);
        var urls = replica is null ? clients.Length : 1;
        var attempts = urls * 2;
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null) request.Content = new ByteArrayContent(body) { Headers = { ContentType = Json } };
            if (token is not null) request.Headers.Authorization = token;
            else if (endpoint is ExamEndpoint.Items or ExamEndpoint.Cache or ExamEndpoint.StudentToken) request.Headers.Add("X-Api-Key", adminKey);
            try
            {
                using var response = await clients[(first + attempt % urls) % clients.Length].SendAsync(request, cancellationToken);
                var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                var status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    var value = JsonSerializer.Deserialize(bytes, responseType);
                    metrics.Latency(endpoint, Stopwatch.GetTimestamp() - began);
                    if (response.Headers.TryGetValues("Server-Timing", out var timings)) RecordServerTiming(endpoint, timings);
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
                if ((attempt + 1) % urls == 0) await Task.Delay(100, cancellationToken);
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
