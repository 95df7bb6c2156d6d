using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using ExamStore.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ExamStore.Bank;

/// <summary>
/// Each API instance's in-memory item banks, one snapshot per subject. A snapshot is reloaded when the subject's bank
/// version in Postgres moves: checked at most every <see cref="RecheckInterval"/>, and at once after
/// <see cref="Invalidate"/> (called on the pub/sub notification that items changed).
/// </summary>
public sealed class ItemBankCache(IServiceScopeFactory scopes)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>How stale a snapshot may get when no change notification arrives (default 10 s).</summary>
    public TimeSpan RecheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The current snapshot of a subject, or null when the subject has no items.</summary>
    public async Task<BankSnapshot?> GetAsync(string subject, CancellationToken cancellationToken = default)
    {
        var entry = _entries.GetOrAdd(subject, _ => new Entry());
        if (Fresh(entry) is { } current) return current;

        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            if (entry.Snapshot is not null && DateTime.UtcNow - entry.CheckedAt < RecheckInterval && !entry.Stale) return entry.Snapshot;
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ExamDbContext>();
            var version = await db.ItemBankVersions.AsNoTracking().Where(v => v.Subject == subject).Select(v => (long?)v.Version).SingleOrDefaultAsync(cancellationToken);
            entry.Stale = false;
            entry.CheckedAt = DateTime.UtcNow;
            if (version is null)
            {
                entry.Snapshot = null;
                return null;
            }
            if (entry.Snapshot?.Version != version)
            {
                var items = await db.Items.AsNoTracking().Where(i => i.Subject == subject).ToListAsync(cancellationToken);
                entry.Snapshot = items.Count == 0 ? null : BankSnapshot.Create(subject, version.Value, items);
            }
            return entry.Snapshot;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>
    /// The subject's snapshot when <see cref="GetAsync"/> would return it without reading Postgres (cached and fresh);
    /// otherwise false, and the caller reads it with <see cref="GetAsync"/>.
    /// </summary>
    public bool TryGetFresh(string subject, [NotNullWhen(true)] out BankSnapshot? snapshot)
    {
        snapshot = _entries.TryGetValue(subject, out var entry) ? Fresh(entry) : null;
        return snapshot is not null;
    }

    /// <summary>Marks a subject's snapshot stale (or all of them when <paramref name="subject"/> is null).</summary>
    public void Invalidate(string? subject = null)
    {
        foreach (var (name, entry) in _entries)
        {
            if (subject is null || name == subject) entry.Stale = true;
        }
    }

    private BankSnapshot? Fresh(Entry entry) =>
        entry.Snapshot is { } current && DateTime.UtcNow - entry.CheckedAt < RecheckInterval && !entry.Stale ? current : null;

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public volatile BankSnapshot? Snapshot;

        public volatile bool Stale;

        public DateTime CheckedAt;
    }
}
