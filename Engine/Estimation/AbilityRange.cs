namespace Engine.Estimation;

/// <summary>The range an estimate is confined to (catR's range, default [−4, 4]).</summary>
public readonly record struct AbilityRange
{
    /// <summary>Creates a range; both ends finite, min &lt; max.</summary>
    public AbilityRange(double min, double max)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max) || min >= max)
            throw new ArgumentOutOfRangeException(nameof(max), $"The ability range [{min}, {max}] must be finite with min < max.");
        Min = min;
        Max = max;
    }

    /// <summary>[−4, 4].</summary>
    public static AbilityRange Default { get; } = new(-4, 4);

    /// <summary>Lower bound.</summary>
    public double Min { get; }

    /// <summary>Upper bound.</summary>
    public double Max { get; }

    /// <summary>θ moved into the range.</summary>
    public double Clamp(double theta) => Math.Clamp(theta, Min, Max);
}
