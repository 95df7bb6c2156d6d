namespace Engine.Models;

/// <summary>
/// Muraki's generalized partial credit item (catR's GPCM), and through its factories Masters' partial credit (PCM) and
/// Andrich's rating scale (RSM) items: z_k = Σ_{t=1..k} D·a·(θ − δ_t), so v_k = D·a·k. The steps δ need not be ordered.
/// </summary>
public sealed class PartialCreditItem : DivideByTotalItem
{
    private readonly double[] _steps;
    // exp(−D·a·δ_t), so that information needs one exponential per item (see Information).
    private readonly double[] _stepExponentials;
    // The largest |D·a·θ| for which every exp(z_k) = Π_{t≤k} exp(D·a·θ)·exp(−D·a·δ_t) stays a normal number.
    private readonly double _shiftLimit;

    /// <summary>
    /// Creates a GPCM item with discrimination <paramref name="a"/> and steps δ_1..δ_K (K ≥ 1, so K + 1 categories);
    /// <paramref name="id"/> names the item in error messages.
    /// </summary>
    public PartialCreditItem(double a, IReadOnlyList<double> steps, double scaling = LogisticItem.DefaultScaling, string? id = null)
        : this(CheckDiscrimination(a, id), CheckSteps(steps, id), CheckScaling(scaling, id), id)
    {
    }

    // Takes checked values; the steps array becomes the item's own.
    private PartialCreditItem(double a, double[] steps, double scaling, string? id)
        : base(Slopes(scaling * a, steps.Length), Intercepts(scaling * a, steps), id)
    {
        _steps = steps;
        A = a;
        Scaling = scaling;
        Slope = scaling * a;
        _stepExponentials = steps.Select(step => Math.Exp(-Slope * step)).ToArray();
        _shiftLimit = (600 - steps.Sum(step => Math.Abs(Slope * step))) / steps.Length;
    }

    /// <summary>A partial credit item (catR's PCM): a GPCM item with a = 1.</summary>
    public static PartialCreditItem Rasch(IReadOnlyList<double> steps, double scaling = LogisticItem.DefaultScaling, string? id = null) =>
        new(1, CheckSteps(steps, id), CheckScaling(scaling, id), id);

    /// <summary>
    /// A rating scale item (catR's RSM): location <paramref name="lambda"/> and the thresholds δ_1..δ_K shared by the
    /// scale's items; step k is at λ + δ_k, with a = 1.
    /// </summary>
    public static PartialCreditItem RatingScale(double lambda, IReadOnlyList<double> thresholds, double scaling = LogisticItem.DefaultScaling, string? id = null)
    {
        Finite(lambda, "lambda", id, nameof(lambda));
        var steps = CheckSteps(thresholds, id);
        for (var k = 0; k < steps.Length; k++) steps[k] = lambda + steps[k];
        return new PartialCreditItem(1, steps, CheckScaling(scaling, id), id);
    }

    /// <summary>Discrimination a (1 for PCM and RSM items).</summary>
    public double A { get; }

    /// <summary>The steps δ_1..δ_K (for an RSM item, λ + δ_k).</summary>
    public IReadOnlyList<double> Steps => _steps;

    /// <summary>Scaling constant D.</summary>
    public double Scaling { get; }

    /// <summary>D·a.</summary>
    public double Slope { get; }

    // Between the dominant categories the curve changes around weighted means of the steps; twelve logits beyond the
    // outermost step one category holds all but e^−12 of the probability and the information only falls.
    private protected override (double Min, double Max) PeakRegion => (_steps.Min() - 12 / Slope, _steps.Max() + 12 / Slope);

    /// <inheritdoc />
    public override double Information(double theta)
    {
        // Item selection evaluates this for many items per answer: exp(z_k) comes from one exponential per item,
        // w_k = w_{k−1}·exp(D·a·θ)·exp(−D·a·δ_k), where no product can overflow or underflow; I = (D·a)²·Var(k).
        var shift = Slope * theta;
        if (!(Math.Abs(shift) <= _shiftLimit)) return base.Information(theta);
        var growth = Math.Exp(shift);
        Span<double> weights = stackalloc double[CategoryCount];
        double weight = 1, sum = 1;
        var mode = 0;
        weights[0] = 1;
        for (var k = 1; k < weights.Length; k++)
        {
            weight *= growth * _stepExponentials[k - 1];
            weights[k] = weight;
            sum += weight;
            if (weight > weights[mode]) mode = k;
        }
        // Moments about the most probable category: where it holds nearly all the probability, the variance is the
        // small sum itself instead of a difference of two rounded numbers near k².
        double first = 0, second = 0;
        for (var k = 0; k < weights.Length; k++)
        {
            var deviation = k - mode;
            first += weights[k] * deviation;
            second += weights[k] * deviation * deviation;
        }
        var shiftOfMean = first / sum;
        return Slope * Slope * (second / sum - shiftOfMean * shiftOfMean);
    }

    private static double CheckDiscrimination(double a, string? id) => double.IsFinite(a) && a > 0
        ? a
        : throw new ArgumentOutOfRangeException(nameof(a), a, $"Discrimination a of {Describe(id)} must be a finite number > 0.");

    private static double[] CheckSteps(IReadOnlyList<double> steps, string? id)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Count == 0)
            throw new ArgumentException($"{Describe(id)} has no step delta1, so only 1 response category; a partial credit item needs at least 2.", nameof(steps));
        var result = new double[steps.Count];
        for (var k = 0; k < result.Length; k++) result[k] = Finite(steps[k], $"delta{k + 1}", id, nameof(steps));
        return result;
    }

    private static double[] Slopes(double slope, int steps) => Enumerable.Range(0, steps + 1).Select(k => slope * k).ToArray();

    // c_k = −D·a·Σ_{t≤k} δ_t, accumulated in step order.
    private static double[] Intercepts(double slope, double[] steps)
    {
        var intercepts = new double[steps.Length + 1];
        for (var k = 1; k < intercepts.Length; k++) intercepts[k] = intercepts[k - 1] - slope * steps[k - 1];
        return intercepts;
    }
}
