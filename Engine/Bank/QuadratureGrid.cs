namespace Engine.Bank;

/// <summary>Equally spaced quadrature nodes on [Min, Max], endpoints included (catR's parInt).</summary>
public readonly record struct QuadratureGrid
{
    /// <summary>Creates a grid of <paramref name="nodeCount"/> nodes on [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public QuadratureGrid(double min, double max, int nodeCount)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max) || min >= max)
            throw new ArgumentOutOfRangeException(nameof(max), $"The quadrature range [{min}, {max}] must be finite with min < max.");
        if (nodeCount < 2 || nodeCount > 10_000)
            throw new ArgumentOutOfRangeException(nameof(nodeCount), nodeCount, "The quadrature needs between 2 and 10000 nodes.");
        Min = min;
        Max = max;
        NodeCount = nodeCount;
    }

    /// <summary>catR's EAP default in the reference conventions: 61 nodes on [−4, 4].</summary>
    public static QuadratureGrid Default { get; } = new(-4, 4, 61);

    /// <summary>Lowest node.</summary>
    public double Min { get; }

    /// <summary>Highest node.</summary>
    public double Max { get; }

    /// <summary>Number of nodes.</summary>
    public int NodeCount { get; }

    /// <summary>The node values, computed as R's seq(min, max, length.out = n) does.</summary>
    public double[] Nodes()
    {
        var nodes = new double[NodeCount];
        var step = (Max - Min) / (NodeCount - 1);
        for (var k = 0; k < NodeCount; k++) nodes[k] = Min + k * step;
        nodes[^1] = Max;
        return nodes;
    }
}
