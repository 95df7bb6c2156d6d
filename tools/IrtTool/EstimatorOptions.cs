using System.CommandLine;
using System.Globalization;
using Engine.Bank;
using Engine.Estimation;

namespace IrtTool;

/// <summary>The estimation options both commands share (prior, quadrature, θ range, scaling) and the estimators they build.</summary>
public sealed class EstimatorOptions
{
    /// <summary>The estimator names accepted by --method.</summary>
    public static readonly IReadOnlyList<string> MethodNames = ["ML", "BM", "EAP", "WL"];

    private readonly Option<double> _priorMean = new("--prior-mean") { Description = "Mean of the normal prior (BM, EAP).", DefaultValueFactory = _ => 0 };
    private readonly Option<double> _priorSd = new("--prior-sd") { Description = "Standard deviation of the normal prior (BM, EAP).", DefaultValueFactory = _ => 1 };
    private readonly Option<int> _nodes = new("--nodes") { Description = "Number of EAP quadrature nodes on [min-theta, max-theta].", DefaultValueFactory = _ => 61 };
    private readonly Option<double> _minTheta = new("--min-theta") { Description = "Lower bound of θ (ML/BM/WL range, EAP grid).", DefaultValueFactory = _ => -4 };
    private readonly Option<double> _maxTheta = new("--max-theta") { Description = "Upper bound of θ (ML/BM/WL range, EAP grid).", DefaultValueFactory = _ => 4 };
    private readonly Option<double> _scaling = new("--scaling") { Description = "Scaling constant D in P(θ) = c + (d − c)/(1 + exp(−D·a·(θ − b))) and in the graded and partial credit models (the NRM has none).", DefaultValueFactory = _ => 1 };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Add(_priorMean);
        command.Add(_priorSd);
        command.Add(_nodes);
        command.Add(_minTheta);
        command.Add(_maxTheta);
        command.Add(_scaling);
    }

    /// <summary>The options, for commands that refuse them in some modes.</summary>
    public IEnumerable<Option> All => [_priorMean, _priorSd, _nodes, _minTheta, _maxTheta, _scaling];

    /// <summary>The scaling constant D, checked.</summary>
    public double Scaling(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        var scaling = parseResult.GetValue(_scaling);
        if (!double.IsFinite(scaling) || scaling <= 0) throw new UsageException($"--scaling must be a finite number > 0 (got {Format(scaling)}).");
        return scaling;
    }

    /// <summary>The canonical method name (ML, BM, EAP or WL) for a --method value in any letter case.</summary>
    public static string NormalizeMethod(string method)
    {
        ArgumentNullException.ThrowIfNull(method);
        return MethodNames.FirstOrDefault(name => name.Equals(method, StringComparison.OrdinalIgnoreCase))
            ?? throw new UsageException($"unknown --method '{method}'; use one of {string.Join(", ", MethodNames)}.");
    }

    /// <summary>Builds the estimator for a canonical method name with the parsed prior, grid and range.</summary>
    public IAbilityEstimator Create(string method, ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        var mean = parseResult.GetValue(_priorMean);
        var sd = parseResult.GetValue(_priorSd);
        var nodes = parseResult.GetValue(_nodes);
        var min = parseResult.GetValue(_minTheta);
        var max = parseResult.GetValue(_maxTheta);
        if (!double.IsFinite(mean)) throw new UsageException($"--prior-mean must be finite (got {Format(mean)}).");
        if (!double.IsFinite(sd) || sd <= 0) throw new UsageException($"--prior-sd must be a finite number > 0 (got {Format(sd)}).");
        if (nodes is < 2 or > 10_000) throw new UsageException($"--nodes must be between 2 and 10000 (got {nodes}).");
        if (!double.IsFinite(min) || !double.IsFinite(max) || min >= max)
            throw new UsageException($"--min-theta must be below --max-theta, both finite (got {Format(min)} and {Format(max)}).");
        var range = new AbilityRange(min, max);
        var prior = new NormalPrior(mean, sd);
        return NormalizeMethod(method) switch
        {
            "ML" => new MaximumLikelihoodEstimator(range),
            "BM" => new BayesModalEstimator(prior, range),
            "WL" => new WeightedLikelihoodEstimator(range),
            _ => new ExpectedAPosterioriEstimator(new QuadratureGrid(min, max, nodes), prior),
        };
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
