using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ExamStore.HotState;
using Npgsql;
using StackExchange.Redis;

namespace LoadGenerator.Faults;

/// <summary>What the graph holds, to tell that fuzzing changed nothing.</summary>
/// <param name="Items">Rows of <c>items</c>.</param>
/// <param name="ItemsDigest">MD5 of every <c>items</c> row, so an edited item shows too.</param>
/// <param name="ItemBankVersions">Every subject's bank version ("subject=version,…").</param>
/// <param name="ExamSessions">Rows of <c>exam_sessions</c>.</param>
/// <param name="Attempts">Rows of <c>attempts</c>.</param>
/// <param name="StudentProficiencies">Rows of <c>student_proficiencies</c>.</param>
/// <param name="RedisKeys">Redis DBSIZE.</param>
/// <param name="ActiveSessions">Sessions in the hot state's activity index.</param>
public sealed record StateSnapshot(
    long Items, string ItemsDigest, string ItemBankVersions, long ExamSessions, long Attempts, long StudentProficiencies, long RedisKeys, long ActiveSessions);

/// <summary>What the fuzz run sent and got back.</summary>
/// <param name="Requests">Requests sent.</param>
/// <param name="ByStatus">Responses by HTTP status ("0": no response).</param>
/// <param name="ByEndpoint">Requests by the endpoint they aimed at.</param>
/// <param name="ServerErrors">Responses ≥ 500, or no response.</param>
/// <param name="AcceptedWrites">Fuzzed writes answered 2xx (none is valid, so each is a bug).</param>
/// <param name="UnexpectedStatus">Other statuses outside the refusals expected (400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 431).</param>
/// <param name="WithoutProblemDetails">400, 401, 403, 409, 413, 415, 422 and 429 responses whose body is not application/problem+json (an empty 400 from Kestrel itself aside).</param>
/// <param name="Examples">The first response of each kind of failure, described.</param>
/// <param name="Before">The graph's state before fuzzing.</param>
/// <param name="After">And after.</param>
public sealed record FuzzSummary(
    int Requests, IReadOnlyDictionary<string, int> ByStatus, IReadOnlyDictionary<string, int> ByEndpoint, int ServerErrors, int AcceptedWrites,
    int UnexpectedStatus, int WithoutProblemDetails, IReadOnlyList<string> Examples, StateSnapshot Before, StateSnapshot After);

/// <summary>
/// The fuzz scenario: sets up one active and one completed session, then sends <see cref="FaultOptions.FuzzRequestCount"/>
/// seeded malformed requests (<see cref="FuzzCases"/>) to every student and admin endpoint, <see cref="FaultOptions.Concurrency"/>
/// at a time, and compares the graph's state before and after.
/// </summary>
internal static class Fuzzer
{
    // 429: concurrent fuzzed starts with the student's credential, or answers with the session's token, can exceed the
    // rate limits' in-flight allowance.
    private static readonly int[] Refusals = [400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 431];

    // The API promises ProblemDetails for what its handlers refuse; a route that does not exist (404, 405) answers with no body.
    private static readonly int[] ProblemStatuses = [400, 401, 403, 409, 413, 415, 422, 429];

    private const int MaxExamples = 30;

    public static async Task<(FuzzSummary, List<FaultCheck>, Dictionary<string, double>)> RunAsync(ExamTarget target, FaultOptions options, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = options.Concurrency })
        {
            BaseAddress = target.BaseUrls[0],
            Timeout = TimeSpan.FromSeconds(30),
        };
        var targets = await PrepareAsync(http, target, options, cancellationToken);
        using var redis = await ConnectionMultiplexer.ConnectAsync(target.RedisConnectionString + ",allowAdmin=true");
        await WarmHotStateAsync(http, redis, targets, cancellationToken);
        var before = await SnapshotAsync(target, redis, cancellationToken);

        var cases = new FuzzCases(targets, options.Seed);
        var byStatus = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var byEndpoint = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var examples = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        int serverErrors = 0, acceptedWrites = 0, unexpected = 0, withoutProblem = 0, refusedByServer = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, options.FuzzRequestCount), new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken },
            async (index, token) =>
            {
                var fuzz = cases.Create(index);
                var (status, contentType, body) = await SendAsync(http, fuzz, token);
                byStatus.AddOrUpdate(status.ToString(System.Globalization.CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
                byEndpoint.AddOrUpdate(fuzz.Endpoint, 1, (_, n) => n + 1);
                string? failure = null;
                if (status == 0 && fuzz.RefusedByKestrel)
                {
                    // Kestrel refused it and closed the connection. Through the proxy Aspire puts in front of ExamApi,
                    // that close sometimes reaches the client as a reset or a cut-off response before the 400 does
                    // (70 KB bodies: 14–28 of 2,000 through the proxy, none straight to Kestrel).
                    Interlocked.Increment(ref refusedByServer);
                }
                else if (status is 0 or >= 500)
                {
                    Interlocked.Increment(ref serverErrors);
                    failure = "server error";
                }
                else if (status is >= 200 and < 300)
                {
                    if (!fuzz.ReadOnly)
                    {
                        Interlocked.Increment(ref acceptedWrites);
                        failure = "accepted write";
                    }
                }
                else if (!Refusals.Contains(status))
                {
                    Interlocked.Increment(ref unexpected);
                    failure = "unexpected status";
                }
                else if (status == 400 && contentType is null && body.Length == 0)
                {
                    // Kestrel refused the request line or headers (a %00 in the path, say) before any middleware ran;
                    // the API's status-code pages give every empty refusal of its own a ProblemDetails body.
                    Interlocked.Increment(ref refusedByServer);
                }
                else if (ProblemStatuses.Contains(status) && contentType != "application/problem+json")
                {
                    Interlocked.Increment(ref withoutProblem);
                    failure = "no ProblemDetails";
                }
                if (failure is not null && examples.Count < MaxExamples)
                    examples.TryAdd($"{failure}: {fuzz.Endpoint} {status}", Describe(index, fuzz, status, contentType, body));
            });
        var seconds = clock.Elapsed.TotalSeconds;

        var after = await SnapshotAsync(target, redis, cancellationToken);
        var summary = new FuzzSummary(options.FuzzRequestCount, Sorted(byStatus), Sorted(byEndpoint), serverErrors, acceptedWrites, unexpected, withoutProblem,
            [.. examples.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key} — {e.Value}")], before, after);
        var missingEndpoints = cases.Endpoints.Where(e => !byEndpoint.ContainsKey(e)).ToArray();
        var checks = new List<FaultCheck>
        {
            new("every student and admin endpoint fuzzed", missingEndpoints.Length == 0 && byEndpoint.Values.Sum() == options.FuzzRequestCount,
                $"{options.FuzzRequestCount} requests over {byEndpoint.Count} endpoints (≥ {byEndpoint.Values.DefaultIfEmpty().Min()} each){(missingEndpoints.Length > 0 ? "; not reached: " + string.Join(", ", missingEndpoints) : "")}"),
            new("0 responses ≥ 500", serverErrors == 0, $"{serverErrors} responses ≥ 500 or no response"),
            new("no fuzzed write accepted", acceptedWrites == 0, $"{acceptedWrites} writes answered 2xx"),
            new("every refusal is an expected 4xx", unexpected == 0, $"{unexpected} other statuses; by status: {string.Join(", ", summary.ByStatus.Select(s => $"{s.Key} × {s.Value}"))}"),
            new("refusals carry ProblemDetails", withoutProblem == 0, $"{withoutProblem} of the 400/401/403/409/413/415/422 responses are not application/problem+json"),
            new("no state change", before == after, $"before {before}; after {after}"),
        };
        if (examples.Count > 0) checks.Add(new FaultCheck("failing responses (examples)", false, string.Join(" | ", summary.Examples.Take(8))));
        var figures = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["requests"] = options.FuzzRequestCount,
            ["requestsPerSecond"] = options.FuzzRequestCount / seconds,
            ["serverErrors"] = serverErrors,
            ["acceptedWrites"] = acceptedWrites,
            ["unexpectedStatus"] = unexpected,
            ["withoutProblemDetails"] = withoutProblem,
            ["refusedByKestrel"] = refusedByServer,
        };
        foreach (var (status, count) in summary.ByStatus) figures["status." + status] = count;
        return (summary, checks, figures);
    }

    // One active session (answered once, so its waiting item is known) and one completed, both of the load subject.
    private static async Task<FuzzTargets> PrepareAsync(HttpClient http, ExamTarget target, FaultOptions options, CancellationToken cancellationToken)
    {
        var subject = new LoadOptions().Subject;
        string designId;
        using (var client = new ExamApiClient(target, new LoadMetrics(), TimeSpan.FromSeconds(30)))
        {
            await LoadItemBank.EnsureAsync(client, subject, new LoadOptions().BankSize, cancellationToken);
            designId = await client.CreateDesignAsync($"fuzz-{Guid.NewGuid():N}", subject, maxItems: 5, seTarget: null, cancellationToken);
        }
        using var page = await SendJsonAsync(http, HttpMethod.Get, $"/api/items?subject={Uri.EscapeDataString(subject)}&page=1&pageSize=50", null, null, target.AdminKey, cancellationToken);
        long[] itemIds = [.. page.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64())];
        var studentId = $"fuzz-student-{options.Seed}";
        var startBody = $"{{\"studentId\":\"{studentId}\",\"designId\":\"{designId}\"}}";
        using var issued = await SendJsonAsync(http, HttpMethod.Post, $"/api/students/{studentId}/tokens", null, null, target.AdminKey, cancellationToken);
        var studentToken = issued.RootElement.GetProperty("token").GetString()!;

        using var active = await SendJsonAsync(http, HttpMethod.Post, "/api/adaptive/start", startBody, studentToken, null, cancellationToken);
        var activeId = active.RootElement.GetProperty("sessionId").GetGuid();
        var activeToken = active.RootElement.GetProperty("token").GetString()!;
        var firstItem = active.RootElement.GetProperty("item").GetProperty("id").GetInt64();
        using var answered = await SendJsonAsync(http, HttpMethod.Post, "/api/adaptive/answer", $"{{\"sessionId\":\"{activeId}\",\"itemId\":{firstItem},\"response\":0}}", activeToken, null, cancellationToken);
        var currentItem = answered.RootElement.GetProperty("nextItem").GetProperty("id").GetInt64();

        using var completed = await SendJsonAsync(http, HttpMethod.Post, "/api/adaptive/start", startBody, studentToken, null, cancellationToken);
        var completedId = completed.RootElement.GetProperty("sessionId").GetGuid();
        var completedToken = completed.RootElement.GetProperty("token").GetString()!;
        using var summary = await SendJsonAsync(http, HttpMethod.Post, "/api/adaptive/complete", $"{{\"sessionId\":\"{completedId}\"}}", completedToken, null, cancellationToken);
        return new FuzzTargets(subject, itemIds, activeId, activeToken, currentItem, completedId, completedToken, studentId, studentToken, target.AdminKey);
    }

    // A read of an active session writes its hot state back to Redis when Redis lacks it (a cache fill, not a change of
    // state): an earlier scenario may have left Redis empty or the API still skipping it, so the fuzzed reads would
    // fill it. Fill it before the snapshot.
    private static async Task WarmHotStateAsync(HttpClient http, ConnectionMultiplexer redis, FuzzTargets targets, CancellationToken cancellationToken)
    {
        var key = ExamStore.HotState.SessionStateStore.StateKey(targets.ActiveSession);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await redis.GetDatabase().KeyExistsAsync(key))
        {
            if (DateTime.UtcNow > deadline) throw new InvalidOperationException($"The API did not write session {targets.ActiveSession}'s hot state to Redis within 15 s.");
            using var status = await SendJsonAsync(http, HttpMethod.Get, $"/api/adaptive/{targets.ActiveSession}", null, targets.ActiveToken, null, cancellationToken);
            await Task.Delay(200, cancellationToken);
        }
    }

    private static async Task<JsonDocument> SendJsonAsync(HttpClient http, HttpMethod method, string path, string? body, string? token, string? adminKey, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (adminKey is not null) request.Headers.Add("X-Api-Key", adminKey);
        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Preparing the fuzz run: {method} {path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text);
    }

    private static async Task<(int Status, string? ContentType, string Body)> SendAsync(HttpClient http, FuzzCase fuzz, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(fuzz.Method, fuzz.Path);
        if (fuzz.Body is not null)
        {
            request.Content = new ByteArrayContent(fuzz.Body);
            if (fuzz.ContentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", fuzz.ContentType);
        }
        if (fuzz.Authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", fuzz.Authorization);
        foreach (var key in fuzz.AdminKeys) request.Headers.TryAddWithoutValidation("X-Api-Key", key);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, body);
        }
        catch (Exception error) when (error is HttpRequestException or IOException || (error is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return (0, null, error.Message);
        }
    }

    private static string Describe(int index, FuzzCase fuzz, int status, string? contentType, string body)
    {
        var sent = fuzz.Body is null ? "" : Encoding.UTF8.GetString(fuzz.Body);
        return $"#{index} {fuzz.Method} {Clip(fuzz.Path, 120)} auth={Clip(fuzz.Authorization ?? "-", 24)} keys={fuzz.AdminKeys.Length} type={fuzz.ContentType ?? "-"} " +
            $"body={Clip(sent, 200)} → {status} {contentType ?? "-"} {Clip(body, 300)}";
    }

    private static string Clip(string text, int length) => text.Length <= length ? text : text[..length] + $"…({text.Length} chars)";

    private static SortedDictionary<string, int> Sorted(ConcurrentDictionary<string, int> counts) => new(counts, StringComparer.Ordinal);

    private static async Task<StateSnapshot> SnapshotAsync(ExamTarget target, ConnectionMultiplexer redis, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(target.UnpooledPostgres);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM items),
                   (SELECT md5(coalesce(string_agg(i::text, '|' ORDER BY i.id), '')) FROM items i),
                   (SELECT coalesce(string_agg(subject || '=' || version, ',' ORDER BY subject), '') FROM item_bank_versions),
                   (SELECT count(*) FROM exam_sessions),
                   (SELECT count(*) FROM attempts),
                   (SELECT count(*) FROM student_proficiencies)
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        return new StateSnapshot(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5),
            await server.DatabaseSizeAsync(), await new SessionStateStore(redis, new HotStateOptions()).ActiveCountAsync());
    }
}
