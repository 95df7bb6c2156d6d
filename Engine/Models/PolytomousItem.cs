namespace Engine.Models;

/// <summary>catR's polytomous models, named as catR names them; each lays out an item's parameters as a row.</summary>
public enum PolytomousModel
{
    /// <summary>Graded response (Samejima): row [a, b_1, …, b_K], thresholds in increasing order (equal ones make an empty category).</summary>
    GRM,

    /// <summary>Modified graded response (Muraki): row [a, b, c_1, …, c_K], c in decreasing order so that the thresholds b − c_k increase.</summary>
    MGRM,

    /// <summary>Partial credit (Masters): row [δ_1, …, δ_K].</summary>
    PCM,

    /// <summary>Generalized partial credit (Muraki): row [a, δ_1, …, δ_K].</summary>
    GPCM,

    /// <summary>Rating scale (Andrich): row [λ, δ_1, …, δ_K], the item's step k at λ + δ_k.</summary>
    RSM,

    /// <summary>Nominal response (Bock): row [α_1, c_1, …, α_K, c_K], category 0 with α_0 = c_0 = 0.</summary>
    NRM,
}

/// <summary>
/// An item scored in categories 0..K (K ≥ 1) under one of catR's polytomous models. Every member is computed in a form
/// that stays finite for any finite θ (probabilities may underflow to 0, their logarithms and the score do not).
/// </summary>
public abstract class PolytomousItem : IItemModel
{
    private protected PolytomousItem(int categoryCount, string? id)
    {
        CategoryCount = categoryCount;
        Id = id;
    }

    /// <inheritdoc />
    public int CategoryCount { get; }

    /// <summary>Always true: a pattern of polytomous items only is solved with catR's polytomous bound rule.</summary>
    public bool IsPolytomous => true;

    /// <summary>The name given at creation, used in error messages; null when none was given.</summary>
    public string? Id { get; }

    /// <summary>"item 'id'", or "item" without an id: how messages name this item.</summary>
    private protected string Name => Describe(Id);

    /// <summary>
    /// The θ interval holding every peak of the information; outside it the information only falls away from it.
    /// Infinite when the model cannot tell.
    /// </summary>
    private protected abstract (double Min, double Max) PeakRegion { get; }

    /// <summary>A θ spacing several times smaller than the narrowest peak of the information.</summary>
    private protected abstract double ScanStep { get; }

    /// <summary>A bound of the information valid for every θ, used where an interval cannot be scanned.</summary>
    private protected virtual double BoundEverywhere => double.PositiveInfinity;

    /// <summary>
    /// The probability of every category at θ and its first and second θ-derivatives (what catR's <c>Pi</c> returns),
    /// into spans of at least <see cref="CategoryCount"/> values.
    /// </summary>
    public abstract void Evaluate(double theta, Span<double> probabilities, Span<double> firstDerivatives, Span<double> secondDerivatives);

    /// <inheritdoc />
    public abstract double LogLikelihood(double theta, int response);

    /// <inheritdoc />
    public abstract double Score(double theta, int response);

    /// <inheritdoc />
    public abstract double Information(double theta);

    /// <inheritdoc />
    public abstract double WarmTerm(double theta);

    /// <inheritdoc />
    public double Probability(double theta, int response)
    {
        Span<double> p = stackalloc double[CategoryCount];
        Span<double> unused = stackalloc double[CategoryCount];
        CheckResponse(response);
        Evaluate(theta, p, unused, unused);
        return p[response];
    }

    /// <summary>
    /// True for a category no examinee can give, whose probability is 0 at every θ: a graded item's category between
    /// two equal thresholds. catR's generator rounds thresholds to 3 decimals and so makes such items, and catR's sums
    /// skip the category (its 0/0 terms); here its terms are 0, and a bank refuses a response in it.
    /// </summary>
    public virtual bool IsEmptyCategory(int category)
    {
        CheckResponse(category);
        return false;
    }

    /// <inheritdoc />
    public double InformationBound(double lower, double upper)
    {
        if (double.IsNaN(lower) || double.IsNaN(upper) || lower > upper)
            throw new ArgumentOutOfRangeException(nameof(upper), $"The interval [{lower}, {upper}] is not valid.");
        // Outside the peak region the information falls away from it, so the part of the interval beyond the region
        // contributes its end nearest the region, which the clipped interval keeps.
        var (regionMin, regionMax) = PeakRegion;
        var lo = Math.Max(lower, Math.Min(regionMin, upper));
        var hi = Math.Min(upper, Math.Max(regionMax, lower));
        if (!double.IsFinite(lo) || !double.IsFinite(hi) || (hi - lo) / ScanStep > InformationMaximum.MaximumSamples) return BoundEverywhere;
        return InformationMaximum.Find(this, lo, hi, ScanStep) * (1 + InformationMaximum.Margin);
    }

    /// <summary>
    /// Creates an item from its parameters as catR lays out the model's row (see <see cref="PolytomousModel"/>), without
    /// padding: the number of parameters gives the number of categories. <paramref name="scaling"/> is D (the NRM has
    /// none and ignores it); <paramref name="id"/> names the item in error messages.
    /// </summary>
    public static PolytomousItem Create(PolytomousModel model, IReadOnlyList<double> parameters, double scaling = LogisticItem.DefaultScaling, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var categories = CategoryCountFor(model, parameters.Count);
        if (categories < 0)
            throw new ArgumentException($"{Describe(id)} has {parameters.Count} NRM parameters; an NRM row holds pairs (alpha_k, c_k).", nameof(parameters));
        if (categories < 2)
        {
            throw new ArgumentException(
                $"{Describe(id)} has {parameters.Count} {model} parameters, which make {categories} response {(categories == 1 ? "category" : "categories")}; at least 2 are needed ({ParameterNames(model, 2)}).",
                nameof(parameters));
        }
        var rest = parameters.Skip(1).ToArray();
        return model switch
        {
            PolytomousModel.GRM => new GradedResponseItem(parameters[0], rest, scaling, id),
            PolytomousModel.MGRM => GradedResponseItem.Modified(parameters[0], parameters[1], rest[1..], scaling, id),
            PolytomousModel.PCM => PartialCreditItem.Rasch(parameters.ToArray(), scaling, id),
            PolytomousModel.GPCM => new PartialCreditItem(parameters[0], rest, scaling, id),
            PolytomousModel.RSM => PartialCreditItem.RatingScale(parameters[0], rest, scaling, id),
            PolytomousModel.NRM => new NominalResponseItem(
                parameters.Where((_, i) => i % 2 == 0).ToArray(), parameters.Where((_, i) => i % 2 == 1).ToArray(), id),
            _ => throw new ArgumentOutOfRangeException(nameof(model), model, "Unknown polytomous model."),
        };
    }

    /// <summary>
    /// The number of response categories a row of <paramref name="parameterCount"/> parameters gives under
    /// <paramref name="model"/>, or −1 when no number of categories has that many (an NRM row must hold pairs).
    /// </summary>
    public static int CategoryCountFor(PolytomousModel model, int parameterCount) => model switch
    {
        PolytomousModel.GRM or PolytomousModel.GPCM or PolytomousModel.RSM => parameterCount,
        PolytomousModel.MGRM => parameterCount - 1,
        PolytomousModel.PCM => parameterCount + 1,
        PolytomousModel.NRM => parameterCount % 2 == 0 ? parameterCount / 2 + 1 : -1,
        _ => throw new ArgumentOutOfRangeException(nameof(model), model, "Unknown polytomous model."),
    };

    /// <summary>The number of parameters of a <paramref name="model"/> item with <paramref name="categoryCount"/> categories.</summary>
    public static int ParameterCountFor(PolytomousModel model, int categoryCount) => model switch
    {
        PolytomousModel.GRM or PolytomousModel.GPCM or PolytomousModel.RSM => categoryCount,
        PolytomousModel.MGRM => categoryCount + 1,
        PolytomousModel.PCM => categoryCount - 1,
        PolytomousModel.NRM => 2 * (categoryCount - 1),
        _ => throw new ArgumentOutOfRangeException(nameof(model), model, "Unknown polytomous model."),
    };

    /// <summary>The names of the parameters of an item with <paramref name="categoryCount"/> categories, in row order.</summary>
    public static string ParameterNames(PolytomousModel model, int categoryCount) =>
        string.Join(", ", Enumerable.Range(0, Math.Max(ParameterCountFor(model, categoryCount), 0)).Select(i => ParameterName(model, i)));

    /// <summary>The name of the parameter at 0-based <paramref name="position"/> of a <paramref name="model"/> row, e.g. "b2" or "delta1".</summary>
    public static string ParameterName(PolytomousModel model, int position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        return model switch
        {
            PolytomousModel.GRM => position == 0 ? "a" : $"b{position}",
            PolytomousModel.MGRM => position switch { 0 => "a", 1 => "b", _ => $"c{position - 1}" },
            PolytomousModel.PCM => $"delta{position + 1}",
            PolytomousModel.GPCM => position == 0 ? "a" : $"delta{position}",
            PolytomousModel.RSM => position == 0 ? "lambda" : $"delta{position}",
            PolytomousModel.NRM => position % 2 == 0 ? $"alpha{position / 2 + 1}" : $"c{position / 2 + 1}",
            _ => throw new ArgumentOutOfRangeException(nameof(model), model, "Unknown polytomous model."),
        };
    }

    /// <summary>Checks that <paramref name="response"/> is one of the categories 0..K.</summary>
    private protected int CheckResponse(int response) => (uint)response < (uint)CategoryCount
        ? response
        : throw new ArgumentOutOfRangeException(nameof(response), response, $"Response {response} is not a category of {Name} (0 to {CategoryCount - 1}).");

    private protected static string Describe(string? id) => id is null ? "item" : $"item '{id}'";

    /// <summary>Checks a parameter is finite, naming it and the item otherwise.</summary>
    private protected static double Finite(double value, string parameter, string? id, string paramName) => double.IsFinite(value)
        ? value
        : throw new ArgumentOutOfRangeException(paramName, value, $"Parameter {parameter} of {Describe(id)} must be a finite number.");

    /// <summary>Checks the scaling constant D.</summary>
    private protected static double CheckScaling(double scaling, string? id) => double.IsFinite(scaling) && scaling > 0
        ? scaling
        : throw new ArgumentOutOfRangeException(nameof(scaling), scaling, $"Scaling constant D of {Describe(id)} must be a finite number > 0.");

    /// <summary>log σ(x) = −log(1 + e^−x), finite for every finite x.</summary>
    private protected static double LogSigmoid(double x) => x >= 0 ? -Math.Log(1 + Math.Exp(-x)) : x - Math.Log(1 + Math.Exp(x));

    /// <summary>σ(x) and σ(−x) from one exponential of a non-positive number, so neither overflows.</summary>
    private protected static (double Up, double Down) Sigmoids(double x)
    {
        var z = Math.Exp(-Math.Abs(x));
        var inverse = 1 / (1 + z);
        return x >= 0 ? (inverse, z * inverse) : (z * inverse, inverse);
    }
}
