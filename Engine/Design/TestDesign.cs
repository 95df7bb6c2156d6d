namespace Engine.Design;

/// <summary>
/// How a test runs, fixed by its designer: estimator and prior, first item, selection with exposure and content
/// control, stopping rules, time limit and the bank's scaling constant D. Plain data (it is stored and exchanged as
/// JSON, camelCase); <see cref="DesignCompiler"/> checks it against a bank and turns it into an Engine composition.
/// </summary>
public sealed record TestDesign
{
    /// <summary>Ability estimator; EAP with a standard normal prior when absent.</summary>
    public EstimatorDesign? Estimator { get; init; }

    /// <summary>How the first item is chosen; randomesque among the 5 most informative at θ = 0 when absent.</summary>
    public FirstItemDesign? FirstItem { get; init; }

    /// <summary>How every later item is chosen; maximum information when absent.</summary>
    public SelectionDesign? Selection { get; init; }

    /// <summary>When the test ends (required: at least the maximum length).</summary>
    public StoppingDesign? Stopping { get; init; }

    /// <summary>Time limit in seconds from the start, or null for none.</summary>
    public int? TimeLimitSeconds { get; init; }

    /// <summary>The scaling constant D of the bank's logistic items: 1 (logistic metric) or 1.702 (normal-ogive metric).</summary>
    public double Scaling { get; init; } = 1;
}

/// <summary>The ability estimator.</summary>
public sealed record EstimatorDesign
{
    /// <summary>EAP, ML, BM or WL.</summary>
    public string Method { get; init; } = "EAP";

    /// <summary>Mean of the normal prior (EAP and BM only); 0 when absent.</summary>
    public double? PriorMean { get; init; }

    /// <summary>Standard deviation of the normal prior (EAP and BM only); 1 when absent.</summary>
    public double? PriorSd { get; init; }
}

/// <summary>The first item: the most informative at <see cref="StartTheta"/>, or one of the <see cref="Candidates"/> most informative.</summary>
public sealed record FirstItemDesign
{
    /// <summary>"max-info" or "randomesque".</summary>
    public string Rule { get; init; } = "randomesque";

    /// <summary>How many of the most informative items a randomesque first item is drawn from (5 when absent).</summary>
    public int? Candidates { get; init; }

    /// <summary>θ at which the first item is chosen.</summary>
    public double StartTheta { get; init; }
}

/// <summary>Item selection after the first item, and the constraints every test meets.</summary>
public sealed record SelectionDesign
{
    /// <summary>"max-info", "randomesque" (among <see cref="Candidates"/>) or "sympson-hetter" (with <see cref="ExposureParameters"/>).</summary>
    public string Rule { get; init; } = "max-info";

    /// <summary>How many of the most informative items randomesque draws from.</summary>
    public int? Candidates { get; init; }

    /// <summary>Sympson-Hetter K in [0, 1] by item id; items not listed have K = 1.</summary>
    public IReadOnlyDictionary<long, double>? ExposureParameters { get; init; }

    /// <summary>Content blueprint: per topic a target share (Kingsbury-Zara) and/or hard minimum and maximum counts.</summary>
    public IReadOnlyList<TopicTarget>? Blueprint { get; init; }

    /// <summary>Sets of item ids of which one test gives at most one.</summary>
    public IReadOnlyList<IReadOnlyList<long>>? EnemySets { get; init; }
}

/// <summary>One topic's line of the blueprint.</summary>
public sealed record TopicTarget
{
    /// <summary>The topic, as the bank names it.</summary>
    public string? Topic { get; init; }

    /// <summary>Target share of the test's items (Kingsbury-Zara content balancing); the shares given sum to 1.</summary>
    public double? Share { get; init; }

    /// <summary>Fewest items of the topic in every test.</summary>
    public int? Min { get; init; }

    /// <summary>Most items of the topic in any test.</summary>
    public int? Max { get; init; }
}

/// <summary>Stopping rules; the first that is met ends the test (bank exhaustion always applies).</summary>
public sealed record StoppingDesign
{
    /// <summary>Items given before precision or classification may end the test.</summary>
    public int MinItems { get; init; }

    /// <summary>Maximum test length (required).</summary>
    public int? MaxItems { get; init; }

    /// <summary>Stop once the standard error is at or below this.</summary>
    public double? SeTarget { get; init; }

    /// <summary>Stop once θ̂ ± z·SE is clear of every cut score.</summary>
    public ClassificationDesign? Classification { get; init; }

    /// <summary>Stop once Wald's SPRT decides every cut score.</summary>
    public SprtDesign? Sprt { get; init; }
}

/// <summary>Classification by confidence interval (Kingsbury-Weiss).</summary>
public sealed record ClassificationDesign
{
    /// <summary>Cut scores on the θ scale, strictly increasing.</summary>
    public IReadOnlyList<double>? Cuts { get; init; }

    /// <summary>Two-sided confidence of the interval, e.g. 0.95 (z = 1.96).</summary>
    public double Confidence { get; init; } = 0.95;

    /// <summary>Names of the levels, one more than the cuts (e.g. ["fail", "pass"]); "level 0".. when absent.</summary>
    public IReadOnlyList<string>? Levels { get; init; }
}

/// <summary>Classification by Wald's sequential probability ratio test with an indifference region.</summary>
public sealed record SprtDesign
{
    /// <summary>Cut scores on the θ scale, strictly increasing, more than 2δ apart.</summary>
    public IReadOnlyList<double>? Cuts { get; init; }

    /// <summary>Half-width δ of the indifference region around each cut.</summary>
    public double? Indifference { get; init; }

    /// <summary>Error rate of deciding "above" at c − δ.</summary>
    public double Alpha { get; init; } = 0.05;

    /// <summary>Error rate of deciding "below" at c + δ.</summary>
    public double Beta { get; init; } = 0.05;

    /// <summary>Names of the levels, one more than the cuts; "level 0".. when absent.</summary>
    public IReadOnlyList<string>? Levels { get; init; }
}

/// <summary>A design fault, with the JSON path of the field at fault (e.g. "stopping.maxItems").</summary>
public sealed record DesignProblem(string Field, string Message);

/// <summary>A design that cannot run on its bank; <see cref="Problems"/> names every fault found.</summary>
public sealed class DesignException(IReadOnlyList<DesignProblem> problems)
    : Exception(problems.Count == 0 ? "The design is invalid." : $"{problems[0].Field}: {problems[0].Message}")
{
    /// <summary>Every fault found, the first the most basic.</summary>
    public IReadOnlyList<DesignProblem> Problems { get; } = problems;
}
