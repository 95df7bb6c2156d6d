using Engine.Bank;

namespace IrtTool;

/// <summary>The item ids a design names a bank's items by.</summary>
public static class BankItemIds
{
    /// <summary>The bank file's <c>ids</c> column (an exported live bank has one), else each item's 0-based index.</summary>
    public static IReadOnlyList<long> Of(IReadOnlyList<long>? ids, ItemBank bank)
    {
        ArgumentNullException.ThrowIfNull(bank);
        return ids ?? Enumerable.Range(0, bank.Count).Select(i => (long)i).ToArray();
    }
}
