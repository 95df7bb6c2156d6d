using System.Globalization;

namespace IrtTool;

/// <summary>The distribution true abilities are drawn from: <c>normal:mean,sd</c> or <c>uniform:min,max</c>.</summary>
public abstract record ThetaDistribution
{
    /// <summary>Parses the --theta-distribution syntax.</summary>
    public static ThetaDistribution Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var kind = colon < 0 ? text : text[..colon];
        var parameters = colon < 0 ? [] : text[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries);
        if (parameters.Length != 2 || !TryParseNumber(parameters[0], out var first) || !TryParseNumber(parameters[1], out var second))
            throw new UsageException($"--theta-distribution '{text}' must be normal:MEAN,SD or uniform:MIN,MAX.");
        return kind.Trim().ToLowerInvariant() switch
        {
            "normal" when second > 0 => new NormalThetaDistribution(first, second),
            "normal" => throw new UsageException($"--theta-distribution '{text}': the standard deviation must be > 0."),
            "uniform" when first < second => new UniformThetaDistribution(first, second),
            "uniform" => throw new UsageException($"--theta-distribution '{text}': the minimum must be below the maximum."),
            _ => throw new UsageException($"--theta-distribution '{text}' must be normal:MEAN,SD or uniform:MIN,MAX."),
        };
    }

    /// <summary>Draws <paramref name="count"/> abilities from a generator seeded with <paramref name="seed"/>.</summary>
    public double[] Draw(int count, int seed)
    {
        var random = new Random(seed);
        var thetas = new double[count];
        for (var i = 0; i < count; i++) thetas[i] = Draw(random);
        return thetas;
    }

    /// <summary>One draw.</summary>
    protected abstract double Draw(Random random);

    private static bool TryParseNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
}

/// <summary>Normal abilities N(mean, sd²).</summary>
public sealed record NormalThetaDistribution(double Mean, double StandardDeviation) : ThetaDistribution
{
    /// <inheritdoc />
    protected override double Draw(Random random)
    {
        // Box-Muller; 1 − U keeps the logarithm's argument in (0, 1].
        var radius = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble()));
        return Mean + StandardDeviation * radius * Math.Cos(2 * Math.PI * random.NextDouble());
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"normal:{Mean},{StandardDeviation}");
}

/// <summary>Uniform abilities on [min, max).</summary>
public sealed record UniformThetaDistribution(double Min, double Max) : ThetaDistribution
{
    /// <inheritdoc />
    protected override double Draw(Random random) => Min + (Max - Min) * random.NextDouble();

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"uniform:{Min},{Max}");
}
