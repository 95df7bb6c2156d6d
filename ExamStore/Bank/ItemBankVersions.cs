using ExamStore.Data;
using Microsoft.EntityFrameworkCore;

namespace ExamStore.Bank;

/// <summary>Moves subjects' item bank versions; call it inside the transaction that changes their items.</summary>
public static class ItemBankVersions
{
    /// <summary>
    /// Bumps the version of every subject given (creating it at 1), so each API instance reloads the subject's bank and
    /// a session records the bank it ran with. Must run in the same transaction as the item change.
    /// </summary>
    public static async Task BumpAsync(ExamDbContext db, IEnumerable<string> subjects, CancellationToken cancellationToken)
    {
        // Sorted so that two transactions bumping overlapping subjects lock the rows in the same order (no deadlock).
        foreach (var subject in subjects.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            await db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO item_bank_versions (subject, version, updated_at) VALUES ({subject}, 1, now())
                ON CONFLICT (subject) DO UPDATE SET version = item_bank_versions.version + 1, updated_at = now()
                """, cancellationToken);
        }
    }
}
