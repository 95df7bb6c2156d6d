using System.Collections.Concurrent;
using System.Diagnostics;

namespace LoadGenerator;

/// <summary>The ExamApi endpoints whose latency and errors are reported separately.</summary>
public enum ExamEndpoint
{
    /// <summary><c>POST /api/adaptive/start</c>.</summary>
    Start,

    /// <summary><c>POST /api/adaptive/answer</c>.</summary>
    Answer,

    /// <summary><c>POST /api/adaptive/complete</c>.</summary>
    Complete,

    /// <summary>The admin item endpoints (import and read-back).</summary>
    Items,

    /// <summary><c>GET /api/adaptive/{id}</c> of a session whose Redis state was deleted: a rebuild from Postgres (timed by the hold).</summary>
    Rebuild,

    /// <summary><c>POST /api/practice/sessions</c>: a practice session generated.</summary>
    PracticeStart,

    /// <summary><c>POST /api/practice/sessions/{id}/answers</c>.</summary>
    PracticeAnswer,

    /// <summary><c>POST /api/practice/sessions/{id}/complete</c>.</summary>
    PracticeComplete,

    /// <summary>The admin cache endpoints (<c>/api/cache/clear</c>, <c>/api/cache/stats</c>).</summary>
    Cache,

    /// <summary><c>POST /api/students/{id}/tokens</c>: a student's credential, fetched before their first start.</summary>
    StudentToken,
}

/// <summary>Latency percentiles of one endpoint, in milliseconds (nearest rank).</summary>
public sealed record LatencySummary(long Count, double P50Ms, double P95Ms, double P99Ms, double MaxMs, double MeanMs)
{
    /// <summary>The summary of a set of samples in Stopwatch ticks.</summary>
    public static LatencySummary FromTicks(long[] ticks)
    {
        if (ticks.Length == 0) return new LatencySummary(0, 0, 0, 0, 0, 0);
        Array.Sort(ticks);
        double Ms(long value) => value * 1000.0 / Stopwatch.Frequency;
        double Rank(double p) => Ms(ticks[Math.Max(0, (int)Math.Ceiling(p * ticks.Length) - 1)]);
        var sum = 0.0;
        foreach (var t in ticks) sum += t;
        return new LatencySummary(ticks.Length, Rank(0.50), Rank(0.95), Rank(0.99), Ms(ticks[^1]), Ms((long)(sum / ticks.Length)));
    }
}

/// <summary>
/// Live counters and latency samples of a run, shared by every examinee task. Latency is kept as raw samples (8 bytes
/// each; a minute at 5,000 answers/s is 2.4 MB) so percentiles are exact rather than bucketed.
/// </summary>
public sealed class LoadMetrics
{
    private readonly List<long>[] latencies = [.. Enumerable.Range(0, Enum.GetValues<ExamEndpoint>().Length).Select(_ => new List<long>())];
    private readonly List<long>[] serverLatencies = [.. Enumerable.Range(0, Enum.GetValues<ExamEndpoint>().Length).Select(_ => new List<long>())];
    private readonly List<long> serverRebuilds = [];
    private readonly ConcurrentDictionary<(ExamEndpoint Endpoint, string Status), long> errors = new();
    private readonly ConcurrentDictionary<(ExamEndpoint Endpoint, string Status), string> examples = new();
    private long answers;
    private long examsStarted;
    private long examsCompleted;
    private long practiceStarted;
    private long practiceAnswers;
    private long practiceCompleted;
    private long connectionRetries;
    private long transientRetries;
    private long poolStarved;
    private long errorCount;

    /// <summary>What the run is doing now (for progress).</summary>
    public string Phase { get; set; } = "starting";

    /// <summary>Acknowledged answers.</summary>
    public long Answers => Interlocked.Read(ref answers);

    /// <summary>Exams started (201).</summary>
    public long ExamsStarted => Interlocked.Read(ref examsStarted);

    /// <summary>Exams completed (200 from complete).</summary>
    public long ExamsCompleted => Interlocked.Read(ref examsCompleted);

    /// <summary>Practice sessions generated (201).</summary>
    public long PracticeStarted => Interlocked.Read(ref practiceStarted);

    /// <summary>Practice answers acknowledged.</summary>
    public long PracticeAnswers => Interlocked.Read(ref practiceAnswers);

    /// <summary>Practice sessions completed.</summary>
    public long PracticeCompleted => Interlocked.Read(ref practiceCompleted);

    /// <summary>Requests re-sent to the next base URL after a connection error or timeout.</summary>
    public long ConnectionRetries => Interlocked.Read(ref connectionRetries);

    /// <summary>Answers sent again after a transient refusal (503, or 409 "Answer in progress").</summary>
    public long TransientRetries => Interlocked.Read(ref transientRetries);

    /// <summary>Open loop: scheduled answers that found no idle session and waited for one (their wait counts as latency).</summary>
    public long PoolStarved => Interlocked.Read(ref poolStarved);

    /// <summary>Failed requests of every endpoint.</summary>
    public long Errors => Interlocked.Read(ref errorCount);

    /// <summary>Forgets everything counted so far: the open loop's settling period ends here.</summary>
    internal void Reset()
    {
        foreach (var list in latencies.Concat(serverLatencies).Append(serverRebuilds))
        {
            lock (list) list.Clear();
        }
        errors.Clear();
        examples.Clear();
        Interlocked.Exchange(ref answers, 0);
        Interlocked.Exchange(ref examsStarted, 0);
        Interlocked.Exchange(ref examsCompleted, 0);
        Interlocked.Exchange(ref practiceStarted, 0);
        Interlocked.Exchange(ref practiceAnswers, 0);
        Interlocked.Exchange(ref practiceCompleted, 0);
        Interlocked.Exchange(ref connectionRetries, 0);
        Interlocked.Exchange(ref transientRetries, 0);
        Interlocked.Exchange(ref poolStarved, 0);
        Interlocked.Exchange(ref errorCount, 0);
    }

    internal void AnswerAcknowledged() => Interlocked.Increment(ref answers);

    internal void ExamStarted() => Interlocked.Increment(ref examsStarted);

    internal void ExamCompleted() => Interlocked.Increment(ref examsCompleted);

    internal void PracticeSessionStarted() => Interlocked.Increment(ref practiceStarted);

    internal void PracticeAnswerAcknowledged() => Interlocked.Increment(ref practiceAnswers);

    internal void PracticeSessionCompleted() => Interlocked.Increment(ref practiceCompleted);

    internal void ConnectionRetried() => Interlocked.Increment(ref connectionRetries);

    internal void TransientRetried() => Interlocked.Increment(ref transientRetries);

    internal void Starved() => Interlocked.Increment(ref poolStarved);

    /// <summary>Records a successful request's latency in Stopwatch ticks.</summary>
    internal void Latency(ExamEndpoint endpoint, long ticks)
    {
        var list = latencies[(int)endpoint];
        lock (list) list.Add(ticks);
    }

    /// <summary>Records the server's own time for a successful request (its <c>Server-Timing</c> <c>app</c> metric), in Stopwatch ticks.</summary>
    internal void ServerLatency(ExamEndpoint endpoint, long ticks)
    {
        var list = serverLatencies[(int)endpoint];
        lock (list) list.Add(ticks);
    }

    /// <summary>Records a rebuild of a session's hot state as the server timed it (<c>Server-Timing</c> <c>rebuild</c>).</summary>
    internal void ServerRebuild(long ticks)
    {
        lock (serverRebuilds) serverRebuilds.Add(ticks);
    }

    /// <summary>Records a failed request: an HTTP status code, or "connection" when no response came, with what it said.</summary>
    internal void Error(ExamEndpoint endpoint, string status, string? description)
    {
        Interlocked.Increment(ref errorCount);
        errors.AddOrUpdate((endpoint, status), 1, (_, n) => n + 1);
        if (description is not null) examples.TryAdd((endpoint, status), description);
    }

    /// <summary>Latency percentiles per endpoint that saw a success.</summary>
    public IReadOnlyDictionary<string, LatencySummary> LatencySummaries() => Summaries(latencies);

    /// <summary>
    /// The server's own time per endpoint (its <c>Server-Timing</c> header: from its first middleware until the response
    /// started); empty when the server sends no such header.
    /// </summary>
    public IReadOnlyDictionary<string, LatencySummary> ServerLatencySummaries() => Summaries(serverLatencies);

    /// <summary>Rebuilds timed by the server so far: a mark for <see cref="ServerRebuildsSince"/>.</summary>
    public int ServerRebuildCount
    {
        get
        {
            lock (serverRebuilds) return serverRebuilds.Count;
        }
    }

    /// <summary>Rebuilds timed by the server since <paramref name="mark"/> (which then moves to now).</summary>
    public LatencySummary ServerRebuildsSince(ref int mark) => Since(serverRebuilds, ref mark);

    private static SortedDictionary<string, LatencySummary> Summaries(List<long>[] lists)
    {
        var result = new SortedDictionary<string, LatencySummary>(StringComparer.Ordinal);
        foreach (var endpoint in Enum.GetValues<ExamEndpoint>())
        {
            var list = lists[(int)endpoint];
            long[] samples;
            lock (list) samples = [.. list];
            if (samples.Length > 0) result[Name(endpoint)] = LatencySummary.FromTicks(samples);
        }
        return result;
    }

    /// <summary>Latencies of <paramref name="endpoint"/> recorded since <paramref name="mark"/> (which then moves to now): a progress window.</summary>
    public LatencySummary Since(ExamEndpoint endpoint, ref int mark) => Since(latencies[(int)endpoint], ref mark);

    private static LatencySummary Since(List<long> list, ref int mark)
    {
        long[] samples;
        lock (list)
        {
            mark = Math.Min(mark, list.Count);
            samples = [.. list.Skip(mark)];
            mark = list.Count;
        }
        return LatencySummary.FromTicks(samples);
    }

    /// <summary>Failed requests by "endpoint status", e.g. "answer 503" or "start connection".</summary>
    public IReadOnlyDictionary<string, long> ErrorCounts() => ByKey(errors);

    /// <summary>The first ProblemDetails title and detail (or connection error) seen for each key of <see cref="ErrorCounts"/>.</summary>
    public IReadOnlyDictionary<string, string> ErrorExamples() => ByKey(examples);

    private static SortedDictionary<string, T> ByKey<T>(ConcurrentDictionary<(ExamEndpoint Endpoint, string Status), T> values) =>
        new(values.ToDictionary(e => $"{Name(e.Key.Endpoint)} {e.Key.Status}", e => e.Value), StringComparer.Ordinal);

    // "start", "practice-answer": the enum's words, lower case, joined by hyphens.
    private static string Name(ExamEndpoint endpoint) =>
        string.Concat(endpoint.ToString().Select((c, k) => k > 0 && char.IsUpper(c) ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
