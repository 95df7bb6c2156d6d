using Engine.Bank;

namespace IrtTool;

/// <summary>The item ids a design names a bank's items by.</summary>
public static class BankItemIds
{
    /// <summary>The id of each item of the bank loaded from <paramref name="path"/>, by index: for now the index itself.</summary>
    public static IReadOnlyList<long> For(string path, ItemBank bank)
    {
        ArgumentNullException.ThrowIfNull(bank);
        return Enumerable.Range(0, bank.Count).Select(i => (long)i).ToArray();
    }
}
