using Engine.Models;
using ExamStore.Data;
using Microsoft.EntityFrameworkCore;

namespace ExamStore.Bank;

/// <summary>
/// A subject's items as an <c>irt</c> bank file (tools/IrtTool/BankFile.cs): the logistic columns a, b, c, d and topics,
/// the server item ids in the same order (<c>ids</c>), and the scaling constant D the server scores with. Items are in
/// id order, the order of the server's own bank, so a bank index means the same item in both.
/// </summary>
/// <param name="Subject">Subject (ignored by <c>irt</c>).</param>
/// <param name="Scaling">D in P(θ) = c + (d − c)/(1 + exp(−D·a·(θ − b))); pass it to <c>irt</c> as <c>--scaling</c>.</param>
/// <param name="A">Discriminations.</param>
/// <param name="B">Difficulties.</param>
/// <param name="C">Lower asymptotes.</param>
/// <param name="D">Upper asymptotes.</param>
/// <param name="Topics">Topics.</param>
/// <param name="Ids">Server item ids.</param>
public sealed record BankExport(string Subject, double Scaling, double[] A, double[] B, double[] C, double[] D, string[] Topics, long[] Ids)
{
    /// <summary>
    /// The subject's active items, or every item when <paramref name="includeRetired"/>; null when the subject has no
    /// items at all. Every item is a logistic (4PL) item: the item table has no other model.
    /// </summary>
    public static async Task<BankExport?> ReadAsync(ExamDbContext db, string subject, bool includeRetired, CancellationToken cancellationToken)
    {
        var items = await db.Items.AsNoTracking()
            .Where(i => i.Subject == subject)
            .OrderBy(i => i.Id)
            .Select(i => new { i.Id, i.Topic, i.A, i.B, i.C, i.D, i.Status })
            .ToListAsync(cancellationToken);
        if (items.Count == 0) return null;
        var exported = includeRetired ? items : items.Where(i => i.Status == ItemStatus.Active).ToList();
        return new BankExport(
            subject, LogisticItem.DefaultScaling,
            [.. exported.Select(i => i.A)], [.. exported.Select(i => i.B)], [.. exported.Select(i => i.C)], [.. exported.Select(i => i.D)],
            [.. exported.Select(i => i.Topic)], [.. exported.Select(i => i.Id)]);
    }
}
