using Engine.Design;
using ExamStore.Bank;
using ExamStore.Data;
using ExamStore.Designs;
using ExamStore.Sessions;
using Microsoft.EntityFrameworkCore;

namespace ExamApi.Seeding;

/// <summary>
/// Fills an empty database with <see cref="DemoItemBank"/> when the environment is Development and
/// <c>Exam:SeedDemoItems</c> is not false, and gives each demo subject without one a default exam design
/// (<see cref="StandardDesign"/>, activated through the simulation gate), so <c>dotnet run --project AppHost</c> gives a
/// working system at once.
/// Registered after <c>AddExamStore</c>: hosted services start one after another in registration order, so the
/// migration has run when this starts. Concurrent starters take a transaction-level advisory lock and check for items
/// inside it, so only one of them seeds.
/// </summary>
internal sealed partial class DemoItemBankSeeder(
    IServiceScopeFactory scopes,
    ExamDesignStore designs,
    DesignActivation activation,
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
        if (!await db.Items.AnyAsync(cancellationToken))
        {
            var items = DemoItemBank.Generate(clock.GetUtcNow().UtcDateTime);
            db.Items.AddRange(items);
            await db.SaveChangesAsync(cancellationToken);
            await ItemBankVersions.BumpAsync(db, DemoItemBank.SubjectNames, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            LogSeeded(items.Count, string.Join(", ", DemoItemBank.SubjectNames));
        }
        else
        {
            await transaction.RollbackAsync(cancellationToken);
        }
        foreach (var subject in DemoItemBank.SubjectNames) await SeedDesignAsync(subject, cancellationToken);
    }

    /// <summary>
    /// The demo's exam design: EAP, the first item drawn from the 5 most informative at θ = 0, then randomesque among the
    /// 3 most informative (so not every student sees the same items), 5 to 30 items, ending once SE ≤ 0.3.
    /// </summary>
    public static TestDesign StandardDesign { get; } = new()
    {
        Estimator = new EstimatorDesign { Method = "EAP" },
        FirstItem = new FirstItemDesign { Rule = "randomesque", Candidates = 5 },
        Selection = new SelectionDesign { Rule = "randomesque", Candidates = 3 },
        Stopping = new StoppingDesign { MinItems = 5, MaxItems = 30, SeTarget = 0.3 },
    };

    // A subject that has items but no default design gets the standard one; a replica that loses the race to create it
    // finds it there (a conflict) and leaves it to the winner.
    private async Task SeedDesignAsync(string subject, CancellationToken cancellationToken)
    {
        if ((await designs.ListAsync(subject, cancellationToken)).Any(d => d.IsDefault)) return;
        var id = subject + "-standard";
        try
        {
            if (await designs.GetAsync(id, cancellationToken) is null) await designs.CreateAsync(id, subject, "Demo: EAP, randomesque, SE 0.3 or 30 items", StandardDesign, cancellationToken);
            await activation.ActivateAsync(id, 1, cancellationToken);
            await designs.SetDefaultAsync(id, cancellationToken);
            LogDesignSeeded(id, subject);
        }
        catch (ExamException error) when (error.Kind == ExamErrorKind.Conflict)
        {
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "Empty database: seeded the demo item bank ({Count} items in {Subjects}); set Exam:SeedDemoItems=false to skip")]
    private partial void LogSeeded(int count, string subjects);

    [LoggerMessage(LogLevel.Information, "Exam design {Design} is the default of {Subject}")]
    private partial void LogDesignSeeded(string design, string subject);
}
