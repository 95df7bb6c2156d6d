using ExamStore.Bank;

namespace ExamStore.Sessions;

/// <summary>The bank of a subject an exam already runs on, which must still exist.</summary>
internal static class SubjectBanks
{
    /// <summary>The subject's current snapshot; a 409 when the subject's bank is gone, a 503 when Postgres is unreachable.</summary>
    public static ValueTask<BankSnapshot> RequireAsync(this ItemBankCache banks, string subject, CancellationToken cancellationToken) =>
        // Nearly every call finds the snapshot cached and fresh: that needs none of the read's closure and tasks, and
        // every answer makes one.
        banks.TryGetFresh(subject, out var snapshot) ? ValueTask.FromResult(snapshot) : new(ReadAsync(banks, subject, cancellationToken));

    private static async Task<BankSnapshot> ReadAsync(ItemBankCache banks, string subject, CancellationToken cancellationToken) =>
        await DatabaseCalls.RunAsync(() => banks.GetAsync(subject, cancellationToken))
        ?? throw new ExamException(ExamErrorKind.Conflict, "Item bank missing", $"The item bank of subject '{subject}' no longer exists.");
}
