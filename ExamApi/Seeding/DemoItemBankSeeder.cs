using ExamStore.Bank;
using ExamStore.Data;
using Microsoft.EntityFrameworkCore;

namespace ExamApi.Seeding;

/// <summary>
/// Fills an empty database with <see cref="DemoItemBank"/> when the environment is Development and
/// <c>Exam:SeedDemoItems</c> is not false, so <c>dotnet run --project AppHost</c> gives a working system at once.
/// Registered after <c>AddExamStore</c>: hosted services start one after another in registration order, so the
/// migration has run when this starts. Concurrent starters take a transaction-level advisory lock and check for items
/// inside it, so only one of them seeds.
/// </summary>
internal sealed partial class DemoItemBankSeeder(
    IServiceScopeFactory scopes,
    IHostEnvironment environment,
    IConfiguration configuration,
    TimeProvider clock,
    ILogger<DemoItemBankSeeder> logger) : IHostedService
{
    /// <summary>The configuration switch (default true; only Development ever seeds).</summary>
    public const string EnabledKey = "Exam:SeedDemoItems";

    private const long AdvisoryLockKey = 0x45_78_61_6D_53_64; // "ExamSd"

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!environment.IsDevelopment() || !configuration.GetValue(EnabledKey, true)) return;

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ExamDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_xact_lock({AdvisoryLockKey})", cancellationToken);
        if (await db.Items.AnyAsync(cancellationToken)) return;

        var items = DemoItemBank.Generate(clock.GetUtcNow().UtcDateTime);
        db.Items.AddRange(items);
        await db.SaveChangesAsync(cancellationToken);
        await ItemBankVersions.BumpAsync(db, DemoItemBank.SubjectNames, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogSeeded(items.Count, string.Join(", ", DemoItemBank.SubjectNames));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "Empty database: seeded the demo item bank ({Count} items in {Subjects}); set Exam:SeedDemoItems=false to skip")]
    private partial void LogSeeded(int count, string subjects);
}
