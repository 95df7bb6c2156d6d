using System.Globalization;
using System.Threading.RateLimiting;
using ExamApi.Apis;
using ExamStore.Sessions;
using Microsoft.AspNetCore.RateLimiting;

namespace ExamApi.Extensions;

/// <summary>A token bucket: <see cref="Burst"/> requests at once, refilled at <see cref="PerSecond"/>.</summary>
internal sealed class TokenBucketLimit
{
    public int Burst { get; set; }

    public int PerSecond { get; set; }
}

/// <summary>
/// The limits of <c>Exam:RateLimits</c>, kept per replica (in memory). Starts are limited per client address by rate,
/// and per student by the number in flight; answers per session by the number in flight. The load generator, like any
/// honest client, sends one request at a time per student and per session — but as fast as the server answers (a
/// closed-loop session answers 50 to 200 times a second) — so the number in flight, not a rate, is what tells a burst
/// from it.
/// </summary>
internal sealed class RateLimitSettings
{
    public const string SectionName = "Exam:RateLimits";

    /// <summary>Exam and practice starts from one client address (the load generator: about 150 a second from one).</summary>
    public TokenBucketLimit StartsPerClient { get; set; } = new() { Burst = 1000, PerSecond = 500 };

    /// <summary>Exam and practice starts of one student being served at once.</summary>
    public int StartsInFlightPerStudent { get; set; } = 4;

    /// <summary>
    /// Answers to one exam session being served at once. An answer needs the item the previous one returned, so a
    /// client has one in flight (two when it retries one that timed out).
    /// </summary>
    public int AnswersInFlightPerSession { get; set; } = 4;

    public void Validate()
    {
        if (StartsPerClient.Burst < 1 || StartsPerClient.PerSecond < 1)
            throw new InvalidOperationException($"{SectionName}:StartsPerClient needs Burst and PerSecond of at least 1.");
        if (StartsInFlightPerStudent < 1) throw new InvalidOperationException($"{SectionName}:StartsInFlightPerStudent must be at least 1.");
        if (AnswersInFlightPerSession < 1) throw new InvalidOperationException($"{SectionName}:AnswersInFlightPerSession must be at least 1.");
    }
}

/// <summary>Endpoint metadata: an exam or practice start, limited per client and per student.</summary>
internal sealed class RateLimitedStart;

/// <summary>Endpoint metadata: an exam answer, limited per session.</summary>
internal sealed class RateLimitedAnswer;

/// <summary>Registration and use of the rate limits (ASP.NET Core's rate limiting middleware, one chained global limiter).</summary>
internal static class RateLimitExtensions
{
    /// <summary>The ProblemDetails extension that names the limit a 429 hit: client, student or session.</summary>
    public const string LimitExtension = "limit";

    /// <summary>Limits the endpoints of this builder as starts (per client address and per student).</summary>
    public static TBuilder RequireStartRateLimits<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RateLimitedStart());

    /// <summary>Limits the endpoints of this builder as answers (per session, from its bearer token).</summary>
    public static TBuilder RequireAnswerRateLimit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RateLimitedAnswer());

    /// <summary>Reads <c>Exam:RateLimits</c> (refusing to start on a limit below 1) and registers the limiter.</summary>
    public static IHostApplicationBuilder AddRateLimits(this IHostApplicationBuilder builder)
    {
        var settings = new RateLimitSettings();
        builder.Configuration.GetSection(RateLimitSettings.SectionName).Bind(settings);
        settings.Validate();
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<SessionTokens>((options, sessionTokens) =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                new NamedRateLimiter("client", PerClient(settings.StartsPerClient)),
                new NamedRateLimiter("student", PerStudent(settings.StartsInFlightPerStudent)),
                new NamedRateLimiter("session", PerSession(settings.AnswersInFlightPerSession, sessionTokens)));
            options.OnRejected = RejectAsync;
        });
        return builder;
    }

    // The client is the connection's remote address: behind a reverse proxy every client would share the proxy's.
    private static PartitionedRateLimiter<HttpContext> PerClient(TokenBucketLimit limit) =>
        PartitionedRateLimiter.Create<HttpContext, string>(context => Has<RateLimitedStart>(context)
            ? RateLimitPartition.GetTokenBucketLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = limit.Burst,
                TokensPerPeriod = limit.PerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                // Replenished by the partitioned limiter's own 100 ms timer rather than a timer per client address.
                AutoReplenishment = false,
                QueueLimit = 0,
            })
            : RateLimitPartition.GetNoLimiter(string.Empty));

    // Keyed by the student the credential proves (verified ahead of the limiter), never by the body: a request cannot
    // spend another student's allowance. Requests without a valid credential are refused anyway (the client limit counts them).
    private static PartitionedRateLimiter<HttpContext> PerStudent(int inFlight) =>
        PartitionedRateLimiter.Create<HttpContext, string>(context =>
            Has<RateLimitedStart>(context) && context.Features.Get<AuthenticatedStudent>()?.StudentId is { } studentId
                ? RateLimitPartition.GetConcurrencyLimiter(studentId, _ => new ConcurrencyLimiterOptions { PermitLimit = inFlight, QueueLimit = 0 })
                : RateLimitPartition.GetNoLimiter(string.Empty));

    // The session comes from the bearer token (its id is in it, and the HMAC is checked first), not from the body,
    // which the limiter runs before; a forged token cannot use up a real session's allowance, and gets its 401 unlimited.
    private static PartitionedRateLimiter<HttpContext> PerSession(int inFlight, SessionTokens sessionTokens) =>
        PartitionedRateLimiter.Create<HttpContext, Guid>(context =>
            Has<RateLimitedAnswer>(context) && SessionCredentials.TryGetBearerToken(context.Request, out var token) && sessionTokens.SessionOf(token) is { } sessionId
                ? RateLimitPartition.GetConcurrencyLimiter(sessionId, _ => new ConcurrencyLimiterOptions { PermitLimit = inFlight, QueueLimit = 0 })
                : RateLimitPartition.GetNoLimiter(Guid.Empty));

    private static bool Has<TMetadata>(HttpContext context) where TMetadata : class =>
        context.GetEndpoint()?.Metadata.GetMetadata<TMetadata>() is not null;

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var limit = rejected.Lease.TryGetMetadata(NamedRateLimiter.LimitMetadata, out var name) ? name as string : null;
        // A token bucket knows when its next token comes; an in-flight limit frees up as soon as a request finishes.
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
        var detail = limit switch
        {
            "client" => "Too many exam or practice starts from this client address.",
            "student" => "Too many exam or practice starts for this student at once.",
            "session" => "Too many answers to this session at once: send one, wait for its response, then the next.",
            _ => "Too many requests.",
        };
        rejected.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        await TypedResults.Problem($"{detail} Retry after {retryAfter} s.", statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
            extensions: new Dictionary<string, object?> { [LimitExtension] = limit }).ExecuteAsync(rejected.HttpContext);
    }
}

/// <summary>
/// A partitioned limiter whose refusals say which limit refused (lease metadata <see cref="LimitMetadata"/>): a chained
/// limiter hands back the refusing limiter's lease, and the 429 names that limit.
/// </summary>
internal sealed class NamedRateLimiter(string name, PartitionedRateLimiter<HttpContext> inner) : PartitionedRateLimiter<HttpContext>
{
    /// <summary>The lease metadata that carries the limit's name.</summary>
    public static readonly MetadataName<string> LimitMetadata = new("limit");

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => inner.GetStatistics(resource);

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount) => Named(inner.AttemptAcquire(resource, permitCount));

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        Named(await inner.AcquireAsync(resource, permitCount, cancellationToken));

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await inner.DisposeAsync();
        await base.DisposeAsyncCore();
    }

    private RateLimitLease Named(RateLimitLease lease) => lease.IsAcquired ? lease : new NamedLease(lease, name);

    private sealed class NamedLease(RateLimitLease inner, string name) : RateLimitLease
    {
        public override bool IsAcquired => inner.IsAcquired;

        public override IEnumerable<string> MetadataNames => inner.MetadataNames.Append(LimitMetadata.Name);

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (metadataName == LimitMetadata.Name)
            {
                metadata = name;
                return true;
            }

            return inner.TryGetMetadata(metadataName, out metadata);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
