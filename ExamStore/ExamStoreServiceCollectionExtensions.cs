using ExamStore.Bank;
using ExamStore.Data;
using ExamStore.Designs;
using ExamStore.HotState;
using ExamStore.Practice;
using ExamStore.Sessions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ExamStore;

/// <summary>Registers the exam store for a service that already has an ExamDbContext, an NpgsqlDataSource and Redis.</summary>
public static class ExamStoreServiceCollectionExtensions
{
    /// <summary>Configuration section of the exam settings (<c>Exam:SessionTtlMinutes</c>, <c>Exam:SessionKey</c>, …).</summary>
    public const string SectionName = "Exam";

    /// <summary>
    /// Adds the hot state store, bank cache, question cache, session tokens, exam flows and the startup migration.
    /// <c>Exam:SessionKey</c> (a secret of at least 16 characters) signs session tokens and must be the same on every replica;
    /// without it a random key is used, which only suits a single instance (a warning is logged).
    /// </summary>
    public static IServiceCollection AddExamStore(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        var hotStateOptions = new HotStateOptions();
        if (section.GetValue<double?>("SessionTtlMinutes") is { } ttl) hotStateOptions.SessionTtl = TimeSpan.FromMinutes(ttl);
        services.TryAddSingleton(hotStateOptions);
        services.TryAddSingleton<ExamDesignStore>();
        var activation = new DesignActivationOptions();
        section.GetSection("Designs").Bind(activation);
        services.TryAddSingleton(activation);
        services.TryAddSingleton<DesignActivation>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RedisHealth>();
        services.TryAddSingleton<SessionStateStore>();
        services.TryAddSingleton<QuestionCache>();
        var attemptWriters = section.GetValue<int?>("AttemptWriters") ?? AttemptWriter.DefaultWriters;
        services.TryAddSingleton(provider => new AttemptWriter(provider.GetRequiredService<Npgsql.NpgsqlDataSource>(), attemptWriters));
        services.TryAddSingleton<ItemBankCache>();
        services.TryAddSingleton<ItemExposure>();
        services.TryAddSingleton<DatabaseMigrator>();
        services.TryAddSingleton<AttemptPartitions>();
        services.TryAddSingleton<IExamFlowObserver, NoExamFlowObserver>();
        services.TryAddSingleton(provider => CreateTokens(section["SessionKey"], provider.GetRequiredService<ILogger<SessionTokens>>()));
        services.TryAddScoped<ExamRecords>();
        services.TryAddScoped<ExamSessionService>();
        AddPractice(services, configuration);
        services.AddHostedService<DatabaseMigrationService>();
        return services;
    }

    // Practice sessions and their cache layers. The cache's invalidation is the exam flows' student activity observer,
    // so every service that runs exams (the worker completes timed-out ones) drops what an exam makes stale.
    private static void AddPractice(IServiceCollection services, IConfiguration configuration)
    {
        var options = new PracticeOptions();
        configuration.GetSection(PracticeOptions.SectionName).Bind(options);
        services.TryAddSingleton(options);
        services.TryAddSingleton<CacheStatistics>();
        services.TryAddSingleton<PracticeCache>();
        services.TryAddSingleton<IStudentActivityObserver, PracticeCacheInvalidation>();
        services.TryAddSingleton<StudentPerformanceReader>();
        services.TryAddSingleton<PracticeSessionStore>();
        services.TryAddSingleton<PracticeLayers>();
        services.TryAddSingleton<PracticeGenerator>();
        services.TryAddSingleton<PracticeAnswering>();
        services.TryAddSingleton<PracticeCompletion>();
    }

    // Any secret string of 16+ characters (the AppHost passes a generated parameter); hashing it gives the 32-byte
    // HMAC key whatever its length or alphabet.
    private static SessionTokens CreateTokens(string? configuredKey, ILogger logger)
    {
        if (string.IsNullOrWhiteSpace(configuredKey))
        {
            logger.LogWarning("Exam:SessionKey is not set: session tokens are signed with a random key and are valid on this instance only");
            return new SessionTokens(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        }
        if (configuredKey.Length < 16) throw new InvalidOperationException("Exam:SessionKey must be at least 16 characters.");
        return new SessionTokens(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(configuredKey)));
    }
}

/// <summary>
/// Applies pending migrations while the host starts, so no request is served before the schema is current, then makes
/// sure the attempts partitions of this month and the next ones exist.
/// </summary>
internal sealed class DatabaseMigrationService(DatabaseMigrator migrator, AttemptPartitions partitions, ILogger<DatabaseMigrationService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var applied = await migrator.MigrateAsync(cancellationToken);
        logger.LogInformation("Database schema is current ({Applied} migration(s) applied now)", applied);
        try
        {
            await partitions.EnsureAheadAsync(cancellationToken);
        }
        catch (PostgresException error)
        {
            // Months are kept created well ahead, so a refusal here (a lock wait timed out, say) leaves time for the next
            // start or the CleanupWorker's daily check; not starting would serve no answer at all.
            logger.LogWarning(error, "Could not create the attempts partitions ahead; the next start or the CleanupWorker's check retries");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
