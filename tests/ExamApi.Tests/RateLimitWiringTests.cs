using System.Net;
using System.Threading.RateLimiting;
using ExamApi.Apis;
using ExamApi.Extensions;
using ExamStore.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ExamApi.Tests;

/// <summary>
/// ExamApi's chained limiter without a graph: the per-client limit (which the graph tests cannot reach without a
/// thousand starts), what each limit keys on, and that a refusal names its limit.
/// </summary>
public sealed class RateLimitWiringTests
{
    private static readonly SessionTokens SessionTokens = new(new byte[32]);

    [Fact]
    public void StartsFromOneClientBeyondTheBurstAreRefusedNamingTheClientLimitAndOtherClientsAreNot()
    {
        using var limiter = GlobalLimiter(("Exam:RateLimits:StartsPerClient:Burst", "3"), ("Exam:RateLimits:StartsPerClient:PerSecond", "1"));

        var leases = Enumerable.Range(0, 3).Select(_ => limiter.AttemptAcquire(Start("10.0.0.1"))).ToList();
        using var refused = limiter.AttemptAcquire(Start("10.0.0.1"));
        using var otherClient = limiter.AttemptAcquire(Start("10.0.0.2"));
        using var answer = limiter.AttemptAcquire(Answer("10.0.0.1", Guid.NewGuid()));

        Assert.All(leases, lease => Assert.True(lease.IsAcquired));
        Assert.False(refused.IsAcquired);
        Assert.True(refused.TryGetMetadata(NamedRateLimiter.LimitMetadata, out var limit));
        Assert.Equal("client", limit);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.InRange(retryAfter, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));
        Assert.True(otherClient.IsAcquired);
        Assert.True(answer.IsAcquired);
        foreach (var lease in leases) lease.Dispose();
    }

    [Fact]
    public void StartsOfOneStudentAreLimitedInFlightByTheAuthenticatedStudentNotByTheBody()
    {
        using var limiter = GlobalLimiter(("Exam:RateLimits:StartsInFlightPerStudent", "2"));

        var first = limiter.AttemptAcquire(Start("10.0.0.1", student: "ada"));
        var second = limiter.AttemptAcquire(Start("10.0.0.2", student: "ada"));
        using var third = limiter.AttemptAcquire(Start("10.0.0.3", student: "ada"));
        using var otherStudent = limiter.AttemptAcquire(Start("10.0.0.1", student: "grace"));
        using var unauthenticated = limiter.AttemptAcquire(Start("10.0.0.1"));

        Assert.True(first.IsAcquired && second.IsAcquired);
        Assert.False(third.IsAcquired);
        Assert.True(third.TryGetMetadata(NamedRateLimiter.LimitMetadata, out var limit));
        Assert.Equal("student", limit);
        Assert.True(otherStudent.IsAcquired);
        Assert.True(unauthenticated.IsAcquired);

        // In flight: a finished start frees its place.
        first.Dispose();
        using var fourth = limiter.AttemptAcquire(Start("10.0.0.3", student: "ada"));
        Assert.True(fourth.IsAcquired);
        second.Dispose();
    }

    [Fact]
    public void AnswersAreLimitedPerSessionOfAGenuineTokenOnly()
    {
        using var limiter = GlobalLimiter(("Exam:RateLimits:AnswersInFlightPerSession", "1"));
        var session = Guid.NewGuid();
        var token = SessionTokens.Issue(session);

        using var first = limiter.AttemptAcquire(Answer("10.0.0.1", session, token));
        using var second = limiter.AttemptAcquire(Answer("10.0.0.1", session, token));
        using var forged = limiter.AttemptAcquire(Answer("10.0.0.1", session, token[..^2] + (token[^2] == 'A' ? "B" : "A") + token[^1]));
        using var otherSession = limiter.AttemptAcquire(Answer("10.0.0.1", Guid.NewGuid()));

        Assert.True(first.IsAcquired);
        Assert.False(second.IsAcquired);
        Assert.True(second.TryGetMetadata(NamedRateLimiter.LimitMetadata, out var limit));
        Assert.Equal("session", limit);
        Assert.True(forged.IsAcquired);
        Assert.True(otherSession.IsAcquired);
    }

    [Theory]
    [InlineData("Exam:RateLimits:StartsPerClient:Burst", "0")]
    [InlineData("Exam:RateLimits:StartsPerClient:PerSecond", "0")]
    [InlineData("Exam:RateLimits:StartsInFlightPerStudent", "0")]
    [InlineData("Exam:RateLimits:AnswersInFlightPerSession", "-1")]
    public void ALimitBelowOneStopsTheStartup(string key, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => GlobalLimiter((key, value)));
        Assert.Contains(key.Split(':')[2], error.Message, StringComparison.Ordinal);
    }

    private static PartitionedRateLimiter<HttpContext> GlobalLimiter(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        builder.Services.AddSingleton(SessionTokens);
        builder.AddRateLimits();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<RateLimiterOptions>>().Value.GlobalLimiter!;
    }

    private static DefaultHttpContext Start(string address, string? student = null)
    {
        var context = Request(address, new RateLimitedStart());
        if (student is not null) context.Features.Set(new AuthenticatedStudent(student, Presented: true));
        return context;
    }

    private static DefaultHttpContext Answer(string address, Guid session, string? token = null)
    {
        var context = Request(address, new RateLimitedAnswer());
        context.Request.Headers.Authorization = "Bearer " + (token ?? SessionTokens.Issue(session));
        return context;
    }

    private static DefaultHttpContext Request(string address, object metadata)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(address);
        context.SetEndpoint(new Endpoint(_ => Task.CompletedTask, new EndpointMetadataCollection(metadata), "test"));
        return context;
    }
}
