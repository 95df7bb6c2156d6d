namespace Engine.Bank;

/// <summary>
/// log P(category | node) for the items of a bank on one quadrature grid. Rows are filled the first time an item is
/// used, so EAP over a pattern costs additions, not exponentials, and a large bank pays only for the items it serves.
/// </summary>
internal sealed class QuadratureTable
{
    private readonly ItemBank _bank;
    private readonly double[]?[] _rows;

    public QuadratureTable(ItemBank bank, QuadratureGrid grid)
    {
        _bank = bank;
        Grid = grid;
        Nodes = grid.Nodes();
        _rows = new double[]?[bank.Count];
    }

    public QuadratureGrid Grid { get; }

    public double[] Nodes { get; }

    /// <summary>log P(response | node) for every node, as a span of NodeCount values.</summary>
    public ReadOnlySpan<double> LogLikelihoods(int item, int response)
    {
        var row = Volatile.Read(ref _rows[item]) ?? BuildRow(item);
        return row.AsSpan(response * Nodes.Length, Nodes.Length);
    }

    private double[] BuildRow(int item)
    {
        var model = _bank[item];
        var n = Nodes.Length;
        var row = new double[model.CategoryCount * n];
        for (var category = 0; category < model.CategoryCount; category++)
        {
            for (var k = 0; k < n; k++) row[category * n + k] = model.LogLikelihood(Nodes[k], category);
        }
        // Two threads may build the same row; both compute identical values, so either may win.
        Interlocked.CompareExchange(ref _rows[item], row, null);
        return Volatile.Read(ref _rows[item])!;
    }
}
