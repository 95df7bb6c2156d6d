namespace Engine.Models;

/// <summary>
/// Samejima's graded response item (catR's GRM): cumulative curves P*_k(θ) = 1 / (1 + exp(−D·a·(θ − b_k))) for
/// k = 1..K with thresholds in increasing order, P*_0 = 1, P*_{K+1} = 0, and category probabilities
/// P_k = P*_k − P*_{k+1}. Two equal thresholds leave the category between them empty (P ≡ 0), as in catR.
/// </summary>
/// <remarks>
/// With x_k = D·a·(θ − b_k), s_k = σ(x_k) and t_k = σ(−x_k): P_k = s_k·t_{k+1}·(1 − exp(−D·a·(b_{k+1} − b_k))) (with
/// s_0 = t_{K+1} = 1 and the last factor 1 at both ends), and d/dθ log P_k = D·a·(t_k − s_{k+1}) (with t_0 = s_{K+1} = 0).
/// Both forms avoid the difference of two numbers near 1, so probabilities, their logarithms and the score stay
/// accurate for any θ instead of cancelling to 0 far from the thresholds.
/// </remarks>
public sealed class GradedResponseItem : PolytomousItem
{
    // |D·a·θ| and |D·a·b_k| up to this keep exp(−D·a·(θ − b_k)) = exp(−D·a·θ)·exp(D·a·b_k) a normal number.
    private const double ExponentLimit = 300;

    private readonly double[] _thresholds;
    // gap[k] = 1 − exp(−D·a·(b_{k+1} − b_k)) for k = 1..K−1 (0 for an empty category), and 1 at k = 0 and k = K.
    private readonly double[] _gap;
    private readonly double[] _logGap;
    // exp(D·a·b_k), so that information needs one exponential per item (see Information); null when one is too large.
    private readonly double[]? _thresholdExponentials;

    /// <summary>
    /// Creates an item with discrimination <paramref name="a"/> and <paramref name="thresholds"/> b_1 ≤ … ≤ b_K (K ≥ 1,
    /// so K + 1 categories); <paramref name="id"/> names the item in error messages.
    /// </summary>
    public GradedResponseItem(double a, IReadOnlyList<double> thresholds, double scaling = LogisticItem.DefaultScaling, string? id = null)
        : base((thresholds ?? throw new ArgumentNullException(nameof(thresholds))).Count + 1, id)
    {
        if (!double.IsFinite(a) || a <= 0)
            throw new ArgumentOutOfRangeException(nameof(a), a, $"Discrimination a of {Name} must be a finite number > 0.");
        if (thresholds.Count == 0)
            throw new ArgumentException($"{Name} has no threshold b1, so only 1 response category; a graded item needs at least 2.", nameof(thresholds));
        _thresholds = new double[thresholds.Count];
        for (var k = 0; k < _thresholds.Length; k++)
        {
            _thresholds[k] = Finite(thresholds[k], $"b{k + 1}", id, nameof(thresholds));
            if (k > 0 && _thresholds[k] < _thresholds[k - 1])
            {
                throw new ArgumentOutOfRangeException(nameof(thresholds), _thresholds[k],
                    $"Threshold b{k + 1} of {Name} ({_thresholds[k]}) must not be below b{k} ({_thresholds[k - 1]}): GRM thresholds are in increasing order.");
            }
        }
        A = a;
        Scaling = CheckScaling(scaling, id);
        Slope = scaling * a;
        var categories = CategoryCount;
        _gap = new double[categories];
        _logGap = new double[categories];
        _gap[0] = _gap[^1] = 1;
        for (var k = 1; k < categories - 1; k++)
        {
            _gap[k] = -ExpMinusOne(-Slope * (_thresholds[k] - _thresholds[k - 1]));
            _logGap[k] = Math.Log(_gap[k]);
        }
        if (_thresholds.All(b => Math.Abs(Slope * b) <= ExponentLimit)) _thresholdExponentials = _thresholds.Select(b => Math.Exp(Slope * b)).ToArray();
    }

    /// <summary>
    /// Muraki's modified graded response item (catR's MGRM): thresholds b_k = b − c_k, so the category parameters
    /// <paramref name="categoryParameters"/> c_1 ≥ … ≥ c_K must be in decreasing order.
    /// </summary>
    public static GradedResponseItem Modified(double a, double b, IReadOnlyList<double> categoryParameters, double scaling = LogisticItem.DefaultScaling, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(categoryParameters);
        Finite(b, "b", id, nameof(b));
        for (var k = 0; k < categoryParameters.Count; k++)
        {
            var c = Finite(categoryParameters[k], $"c{k + 1}", id, nameof(categoryParameters));
            if (k > 0 && c > categoryParameters[k - 1])
            {
                throw new ArgumentOutOfRangeException(nameof(categoryParameters), c,
                    $"Category parameter c{k + 1} of {Describe(id)} ({c}) must not be above c{k} ({categoryParameters[k - 1]}): MGRM thresholds b − c_k are in increasing order.");
            }
        }
        return new GradedResponseItem(a, categoryParameters.Select(c => b - c).ToArray(), scaling, id);
    }

    /// <inheritdoc />
    public override bool IsEmptyCategory(int category) => _gap[CheckResponse(category)] == 0;

    /// <summary>Discrimination a.</summary>
    public double A { get; }

    /// <summary>The thresholds b_1..b_K.</summary>
    public IReadOnlyList<double> Thresholds => _thresholds;

    /// <summary>Scaling constant D.</summary>
    public double Scaling { get; }

    /// <summary>D·a.</summary>
    public double Slope { get; }

    // The information of category k is a bump around b_k and b_{k+1}; twelve logits beyond the outer thresholds it is
    // below e^−12 of its peak and falls further.
    private protected override (double Min, double Max) PeakRegion => (_thresholds[0] - 12 / Slope, _thresholds[^1] + 12 / Slope);

    private protected override double ScanStep => 0.125 / Slope;

    /// <inheritdoc />
    public override void Evaluate(double theta, Span<double> probabilities, Span<double> firstDerivatives, Span<double> secondDerivatives)
    {
        var categories = CategoryCount;
        Span<double> s = stackalloc double[categories + 1];
        Span<double> t = stackalloc double[categories + 1];
        Span<double> curvature = stackalloc double[categories + 1];
        Fill(theta, s, t);
        // P*_k″ = (D·a)²·s·t·(t − s): zero for the constant curves P*_0 = 1 and P*_{K+1} = 0.
        for (var k = 0; k <= categories; k++) curvature[k] = Slope * Slope * s[k] * t[k] * (t[k] - s[k]);
        for (var k = 0; k < categories; k++)
        {
            var p = s[k] * t[k + 1] * _gap[k];
            probabilities[k] = p;
            firstDerivatives[k] = p * Slope * (t[k] - s[k + 1]);
            secondDerivatives[k] = curvature[k] - curvature[k + 1];
        }
    }

    /// <inheritdoc />
    public override double LogLikelihood(double theta, int response)
    {
        var k = CheckResponse(response);
        var value = _logGap[k];
        if (k > 0) value += LogSigmoid(Slope * (theta - _thresholds[k - 1]));
        if (k < CategoryCount - 1) value += LogSigmoid(-Slope * (theta - _thresholds[k]));
        return value;
    }

    /// <inheritdoc />
    public override double Score(double theta, int response)
    {
        var k = CheckResponse(response);
        var down = k > 0 ? Sigmoids(Slope * (theta - _thresholds[k - 1])).Down : 0;
        var up = k < CategoryCount - 1 ? Sigmoids(Slope * (theta - _thresholds[k])).Up : 0;
        return Slope * (down - up);
    }

    /// <inheritdoc />
    public override double Information(double theta)
    {
        // Item selection evaluates this for many items per answer: e_k = exp(−x_k) comes from one exponential per item,
        // exp(−D·a·θ) times the stored exp(D·a·b_k), where both factors are normal numbers; σ(x_k) = 1/(1 + e_k).
        var shift = Slope * theta;
        if (_thresholdExponentials is null || Math.Abs(shift) > ExponentLimit) return InformationFromSigmoids(theta);
        var decay = Math.Exp(-shift);
        double sum = 0, upperS = 1, upperT = 0;
        for (var k = 0; k < _thresholdExponentials.Length; k++)
        {
            var e = decay * _thresholdExponentials[k];
            var s = 1 / (1 + e);
            var t = e * s;
            var score = upperT - s;
            sum += upperS * t * _gap[k] * score * score;
            (upperS, upperT) = (s, t);
        }
        return Slope * Slope * (sum + upperS * upperT * upperT);
    }

    // One pass over the thresholds: iteration k completes category k − 1 from σ(±x_{k−1}) and σ(±x_k).
    private double InformationFromSigmoids(double theta)
    {
        double sum = 0, upperS = 1, upperT = 0;
        for (var k = 0; k < _thresholds.Length; k++)
        {
            var (s, t) = Sigmoids(Slope * (theta - _thresholds[k]));
            var score = upperT - s;
            sum += upperS * t * _gap[k] * score * score;
            (upperS, upperT) = (s, t);
        }
        return Slope * Slope * (sum + upperS * upperT * upperT);
    }

    /// <inheritdoc />
    public override double WarmTerm(double theta)
    {
        // Σ_k score_k·(P*_k″ − P*_{k+1}″) in one pass, with P*″ ∝ s·t·(t − s), which is 0 for P*_0 = 1 and P*_{K+1} = 0.
        double sum = 0, upperT = 0, upperCurvature = 0;
        for (var k = 0; k < _thresholds.Length; k++)
        {
            var (s, t) = Sigmoids(Slope * (theta - _thresholds[k]));
            var curvature = s * t * (t - s);
            sum += (upperT - s) * (upperCurvature - curvature);
            (upperT, upperCurvature) = (t, curvature);
        }
        return Slope * Slope * Slope * (sum + upperT * upperCurvature);
    }

    // s[k] = σ(x_k), t[k] = σ(−x_k) for k = 1..K, with s[0] = 1, t[0] = 0 (P*_0 = 1) and s[K+1] = 0, t[K+1] = 1 (P*_{K+1} = 0).
    private void Fill(double theta, Span<double> s, Span<double> t)
    {
        s[0] = 1;
        t[0] = 0;
        for (var k = 1; k < CategoryCount; k++) (s[k], t[k]) = Sigmoids(Slope * (theta - _thresholds[k - 1]));
        s[CategoryCount] = 0;
        t[CategoryCount] = 1;
    }

    // exp(x) − 1 without the cancellation of the direct form for small |x| (Kahan's method); .NET has no accurate expm1.
    private static double ExpMinusOne(double x)
    {
        var u = Math.Exp(x);
        if (u == 1) return x;
        var uMinusOne = u - 1;
        return uMinusOne == -1 ? -1 : uMinusOne * x / Math.Log(u);
    }
}
