using System.Security.Cryptography;
using System.Text;
using ExamApi.Apis;
using ExamApi.Students;

namespace ExamApi.Extensions;

/// <summary>Whether starting needs a student credential at all (<c>Exam:Students:OpenStart</c>, Development only).</summary>
/// <param name="OpenStart">True when anyone may start an exam or a practice session for any student id.</param>
internal sealed record StudentCredentialSettings(bool OpenStart);

/// <summary>Registration of the student credentials that starting an exam or a practice session needs.</summary>
internal static class StudentCredentialExtensions
{
    /// <summary>The key that signs student tokens (the AppHost passes its <c>student-key</c> parameter).</summary>
    public const string StudentKeyConfigurationKey = "Exam:StudentKey";

    /// <summary>True lets anyone start for any student id, without a credential; refused outside Development.</summary>
    public const string OpenStartConfigurationKey = "Exam:Students:OpenStart";

    /// <summary>The LMS whose launch tokens are accepted: <c>SigningKey</c>, <c>Issuer</c>, <c>Audience</c> (all or none).</summary>
    public const string LmsSectionName = "Exam:Lms";

    /// <summary>Shortest configured student key; shorter ones are guessable.</summary>
    public const int MinimumKeyLength = 16;

    /// <summary>Shortest LMS secret: HS256 takes a key of at least 256 bits.</summary>
    public const int MinimumLmsKeyBytes = 32;

    /// <summary>
    /// Reads and checks the settings: open start outside Development, an incomplete LMS section or a short key stops
    /// ExamApi from starting, because each would leave starting more open than the operator meant (or unusable).
    /// </summary>
    public static IHostApplicationBuilder AddStudentCredentials(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var openStart = configuration.GetValue<bool>(OpenStartConfigurationKey);
        if (openStart && !builder.Environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                $"{OpenStartConfigurationKey}=true lets anyone start exams as any student and is allowed only in Development; " +
                $"this environment is '{builder.Environment.EnvironmentName}'. Remove the setting: students present a student token or an LMS launch token.");
        }

        var lms = ReadLms(configuration.GetSection(LmsSectionName));
        var studentKey = configuration[StudentKeyConfigurationKey];
        if (!string.IsNullOrWhiteSpace(studentKey) && studentKey.Length < MinimumKeyLength)
            throw new InvalidOperationException($"{StudentKeyConfigurationKey} must be at least {MinimumKeyLength} characters.");

        builder.Services.AddSingleton(new StudentCredentialSettings(openStart));
        builder.Services.AddSingleton(provider => new StudentTokens(
            StudentSigningKey(studentKey, provider.GetRequiredService<ILogger<StudentTokens>>()), provider.GetRequiredService<TimeProvider>()));
        if (lms is not null) builder.Services.AddSingleton(provider => new LmsLaunchTokens(lms));
        builder.Services.AddSingleton(provider => new StudentAuthenticator(provider.GetRequiredService<StudentTokens>(), provider.GetService<LmsLaunchTokens>()));
        builder.Services.AddSingleton<StudentCredentialFilter>();
        if (openStart) builder.Services.AddHostedService<OpenStartNotice>();
        return builder;
    }

    private static LmsSettings? ReadLms(IConfigurationSection section)
    {
        var (key, issuer, audience) = (section["SigningKey"], section["Issuer"], section["Audience"]);
        if (string.IsNullOrEmpty(key))
        {
            if (!string.IsNullOrEmpty(issuer) || !string.IsNullOrEmpty(audience))
                throw new InvalidOperationException($"{LmsSectionName}:Issuer or :Audience is set without {LmsSectionName}:SigningKey.");
            return null;
        }

        if (Encoding.UTF8.GetByteCount(key) < MinimumLmsKeyBytes)
            throw new InvalidOperationException($"{LmsSectionName}:SigningKey must be at least {MinimumLmsKeyBytes} bytes (UTF-8): HS256 needs a 256-bit key.");
        if (string.IsNullOrWhiteSpace(issuer) || string.IsNullOrWhiteSpace(audience))
            throw new InvalidOperationException($"{LmsSectionName}:Issuer and {LmsSectionName}:Audience are required with {LmsSectionName}:SigningKey: launch tokens are checked against both.");
        return new LmsSettings(key, issuer, audience);
    }

    // As for session tokens: any secret string of 16+ characters, hashed into the 32-byte HMAC key. The label keeps the
    // key apart from the session key even if both were configured with the same secret, so neither kind of token can
    // pass for the other.
    private static byte[] StudentSigningKey(string? configured, ILogger logger)
    {
        if (string.IsNullOrWhiteSpace(configured))
        {
            logger.LogWarning("{Key} is not set: student tokens are signed with a random key and are valid on this instance only", StudentKeyConfigurationKey);
            return RandomNumberGenerator.GetBytes(32);
        }

        return SHA256.HashData(Encoding.UTF8.GetBytes("exam-student-token\n" + configured));
    }
}

/// <summary>Warns once at startup that starting needs no credential (Development with open start).</summary>
internal sealed partial class OpenStartNotice(ILogger<OpenStartNotice> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogOpenStart(StudentCredentialExtensions.OpenStartConfigurationKey);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Warning, "{Setting}=true: anyone may start an exam or a practice session for any student id, without a credential (Development only)")]
    private partial void LogOpenStart(string setting);
}
