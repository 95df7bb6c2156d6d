using System.Security.Cryptography;
using System.Text;

namespace ExamApi.Extensions;

/// <summary>
/// The admin API key (configuration <c>Exam:AdminKey</c>). Compared through SHA-256 digests with a fixed-time
/// comparison, so neither the key's content nor its length leaks through response timing.
/// </summary>
internal sealed class AdminKey
{
    /// <summary>The request header that carries the key.</summary>
    public const string HeaderName = "X-Api-Key";

    /// <summary>The configuration key.</summary>
    public const string ConfigurationKey = "Exam:AdminKey";

    private readonly byte[] _digest;

    public AdminKey(string key, bool generated)
    {
        _digest = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        Value = key;
        Generated = generated;
    }

    /// <summary>The key itself (logged once at startup when it was generated).</summary>
    public string Value { get; }

    /// <summary>True when no key was configured and this one was generated for a Development run.</summary>
    public bool Generated { get; }

    /// <summary>True when the request presents the admin key (handlers that also accept other callers use this).</summary>
    public bool IsPresentedBy(HttpRequest request)
    {
        var presented = request.Headers[HeaderName];
        if (presented.Count != 1 || string.IsNullOrEmpty(presented[0])) return false;
        return CryptographicOperations.FixedTimeEquals(_digest, SHA256.HashData(Encoding.UTF8.GetBytes(presented[0]!)));
    }
}

/// <summary>Endpoint filter that answers 401 ProblemDetails unless the request carries the admin key in <c>X-Api-Key</c>.</summary>
internal sealed class AdminKeyFilter(AdminKey adminKey) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (adminKey.IsPresentedBy(context.HttpContext.Request)) return await next(context);
        return TypedResults.Problem(
            $"This endpoint needs the admin key in the {AdminKey.HeaderName} header.",
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Admin key required");
    }
}

/// <summary>Logs a generated admin key once at startup, so a Development user can call the admin endpoints.</summary>
internal sealed partial class GeneratedAdminKeyNotice(AdminKey adminKey, ILogger<GeneratedAdminKeyNotice> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogGenerated(AdminKey.ConfigurationKey, adminKey.Value, AdminKey.HeaderName);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Warning, "{ConfigurationKey} is not set; generated admin key for this Development run: {Key} (send it as {Header})")]
    private partial void LogGenerated(string configurationKey, string key, string header);
}

/// <summary>Registration and use of the admin key.</summary>
internal static class AdminKeyExtensions
{
    /// <summary>Minimum length of a configured key: shorter keys are guessable.</summary>
    public const int MinimumLength = 16;

    /// <summary>
    /// Reads <c>Exam:AdminKey</c>. Without it, Development generates a random key and logs it; any other environment
    /// refuses to start, because admin endpoints without a key would be open or unusable.
    /// </summary>
    public static IHostApplicationBuilder AddAdminKey(this IHostApplicationBuilder builder)
    {
        var configured = builder.Configuration[AdminKey.ConfigurationKey];
        AdminKey adminKey;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            if (configured.Length < MinimumLength)
                throw new InvalidOperationException($"{AdminKey.ConfigurationKey} must be at least {MinimumLength} characters.");
            adminKey = new AdminKey(configured, generated: false);
        }
        else if (builder.Environment.IsDevelopment())
        {
            adminKey = new AdminKey(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)), generated: true);
            builder.Services.AddHostedService<GeneratedAdminKeyNotice>();
        }
        else
        {
            throw new InvalidOperationException(
                $"{AdminKey.ConfigurationKey} is not configured. Set it (environment variable Exam__AdminKey, at least {MinimumLength} characters; " +
                "the AppHost passes its 'admin-key' parameter) before starting ExamApi outside Development.");
        }
        builder.Services.AddSingleton(adminKey);
        return builder;
    }

    /// <summary>Requires the admin key (<c>X-Api-Key</c>) on the endpoints of this builder.</summary>
    public static TBuilder RequireAdminKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter<TBuilder, AdminKeyFilter>();
        return builder;
    }
}
