using System.Globalization;
using Engine.Bank;
using Engine.Estimation;
using Engine.Selection;
using Engine.Stopping;

namespace Engine.Design;

/// <summary>A design checked against its bank and composed into the Engine's estimator, selectors and stopping policy.</summary>
/// <param name="Design">The design.</param>
/// <param name="Options">The composition <see cref="AdaptiveTest"/> runs.</param>
/// <param name="LevelNames">The classification's level names (one more than the cuts); empty without classification.</param>
public sealed record CompiledDesign(TestDesign Design, AdaptiveTestOptions Options, IReadOnlyList<string> LevelNames)
{
    /// <summary>The maximum test length.</summary>
    public int MaxItems => Design.Stopping!.MaxItems!.Value;

    /// <summary>The enemy sets as bank indices (one test gives at most one item of each).</summary>
    public IReadOnlyList<IReadOnlyCollection<int>> EnemySets { get; init; } = [];

    /// <summary>The blueprint's hard per-topic counts, or null when it sets none.</summary>
    public TopicLimits? TopicLimits { get; init; }

    /// <summary>Bank indices that are never given (retired items).</summary>
    public IReadOnlyCollection<int> NeverGiven { get; init; } = [];

    /// <summary>The classification's cut scores in increasing order; empty without classification.</summary>
    public IReadOnlyList<double> CutScores => Options.Stopping.ClassifyingRule?.CutScores ?? [];

    /// <summary>The name of a classification level (e.g. "pass"), or null for no level.</summary>
    public string? LevelName(int? level) => level is int l && l < LevelNames.Count ? LevelNames[l] : null;
}

/// <summary>
/// Checks a <see cref="TestDesign"/> against the bank it will run on, naming every fault by its JSON path, and composes
/// it. The bank must already be built with the design's <see cref="TestDesign.Scaling"/>; item ids are the keys the
/// design uses for items (the server's item ids, or an exported bank's <c>ids</c>).
/// </summary>
public static class DesignCompiler
{
    /// <summary>Longest test a design may ask for.</summary>
    public const int MaxItemsCap = 500;

    /// <summary>Most candidates a randomesque rule may draw from.</summary>
    public const int MaxCandidates = 100;

    private const double ShareTolerance = 1e-6;

    /// <summary>The first-item rules, selection rules and estimators a design may name.</summary>
    public static readonly IReadOnlyList<string> FirstItemRules = ["max-info", "randomesque"];

    /// <inheritdoc cref="FirstItemRules"/>
    public static readonly IReadOnlyList<string> SelectionRules = ["max-info", "randomesque", "sympson-hetter"];

    /// <inheritdoc cref="FirstItemRules"/>
    public static readonly IReadOnlyList<string> Methods = ["EAP", "ML", "BM", "WL"];

    /// <summary>Every fault of the design on this bank; empty when it can run.</summary>
    /// <param name="design">The design.</param>
    /// <param name="bank">The bank, built with the design's scaling.</param>
    /// <param name="itemIds">The id of each bank item, by index.</param>
    /// <param name="neverGiven">Bank indices that are never selected (retired items).</param>
    /// <param name="forRunningExam">
    /// True to leave out the checks that the items left can fill the test (maxItems, topic minimums, the room the topic
    /// maximums leave): an exam already running when items were retired goes on and ends by bank exhaustion instead.
    /// </param>
    public static IReadOnlyList<DesignProblem> Validate(
        TestDesign design, ItemBank bank, IReadOnlyList<long> itemIds, IReadOnlyCollection<int>? neverGiven = null, bool forRunningExam = false)
    {
        ArgumentNullException.ThrowIfNull(design);
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(itemIds);
        if (itemIds.Count != bank.Count) throw new ArgumentException($"{itemIds.Count} item ids were given for a bank of {bank.Count} items.", nameof(itemIds));
        var check = new Checker(bank, itemIds, neverGiven ?? [], forRunningExam);
        check.Design(design);
        return check.Problems;
    }

    /// <summary>Validates and composes; throws <see cref="DesignException"/> naming every fault.</summary>
    /// <inheritdoc cref="Validate" path="/param"/>
    public static CompiledDesign Compile(
        TestDesign design, ItemBank bank, IReadOnlyList<long> itemIds, IReadOnlyCollection<int>? neverGiven = null, bool forRunningExam = false)
    {
        var problems = Validate(design, bank, itemIds, neverGiven, forRunningExam);
        if (problems.Count > 0) throw new DesignException(problems);
        var indexOf = IndexOf(itemIds);
        var excluded = neverGiven?.ToArray() ?? [];
        var stopping = design.Stopping!;
        var maxItems = stopping.MaxItems!.Value;
        var selection = design.Selection ?? new SelectionDesign();
        var first = design.FirstItem ?? new FirstItemDesign();

        var blueprint = selection.Blueprint ?? [];
        var shares = blueprint.Where(t => t.Share is > 0).ToDictionary(t => t.Topic!, t => t.Share!.Value, StringComparer.Ordinal);
        var content = shares.Count > 0 ? new ContentBalance(shares) : null;
        var limits = blueprint.Any(t => t.Min is > 0 || t.Max is not null)
            ? new TopicLimits(bank, blueprint.Where(t => t.Min is > 0 || t.Max is not null).Select(t => new TopicLimit(t.Topic!, t.Min ?? 0, t.Max)))
            : null;
        var enemySets = (selection.EnemySets ?? []).Select(set => (IReadOnlyCollection<int>)set.Select(id => indexOf[id]).ToArray()).ToArray();

        var exposure = selection.Rule switch
        {
            "randomesque" => ExposureControl.Randomesque(selection.Candidates!.Value),
            "sympson-hetter" => ExposureControl.SympsonHetter(SympsonHetterParameters(bank.Count, selection.ExposureParameters, indexOf)),
            _ => ExposureControl.None,
        };
        var firstExposure = first.Rule == "randomesque" ? ExposureControl.Randomesque(first.Candidates ?? 5) : ExposureControl.None;
        // The first item obeys the same constraints (no topic may be closed yet, but retired items are never given).
        var selector = new ConstrainedSelector(bank, new MaximumInformationSelector(exposure, content), maxItems, excluded, enemySets, limits);
        var firstSelector = new ConstrainedSelector(bank, new MaximumInformationSelector(firstExposure, content), maxItems, excluded, enemySets, limits);

        var rules = new List<IStoppingRule> { new MaxItemsRule(maxItems) };
        if (stopping.SeTarget is { } target) rules.Add(new StandardErrorRule(target));
        IReadOnlyList<string> levels = [];
        if (stopping.Classification is { } classification)
        {
            var z = MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, (1 + classification.Confidence) / 2);
            rules.Add(new ClassificationRule(classification.Cuts!, z));
            levels = LevelNames(classification.Cuts!.Count, classification.Levels);
        }
        if (stopping.Sprt is { } sprt)
        {
            rules.Add(new SprtRule(sprt.Cuts!, sprt.Indifference!.Value, sprt.Alpha, sprt.Beta));
            levels = LevelNames(sprt.Cuts!.Count, sprt.Levels);
        }
        var options = new AdaptiveTestOptions(Estimator(design.Estimator ?? new EstimatorDesign()), selector, new StoppingPolicy(stopping.MinItems, rules) { Gate = limits })
        {
            StartTheta = first.StartTheta,
            FirstItemSelector = firstSelector,
            // Once only the topic minimums keep a test going, it draws from the topics that owe items, so it ends as soon as they are met.
            HeldOpenSelector = limits is { TotalMinimum: > 0 }
                ? new ConstrainedSelector(bank, new MaximumInformationSelector(exposure, content), maxItems, excluded, enemySets, limits, owingTopicsOnly: true)
                : null,
        };
        return new CompiledDesign(design, options, levels) { EnemySets = enemySets, TopicLimits = limits, NeverGiven = excluded };
    }

    /// <summary>The estimator a design names (the design must be valid).</summary>
    public static IAbilityEstimator Estimator(EstimatorDesign estimator)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        var prior = new NormalPrior(estimator.PriorMean ?? 0, estimator.PriorSd ?? 1);
        return estimator.Method.ToUpperInvariant() switch
        {
            "ML" => new MaximumLikelihoodEstimator(),
            "BM" => new BayesModalEstimator(prior),
            "WL" => new WeightedLikelihoodEstimator(),
            _ => new ExpectedAPosterioriEstimator(prior: prior),
        };
    }

    private static IReadOnlyList<string> LevelNames(int cuts, IReadOnlyList<string>? names) =>
        names ?? Enumerable.Range(0, cuts + 1).Select(l => "level " + l.ToString(CultureInfo.InvariantCulture)).ToArray();

    private static double[] SympsonHetterParameters(int count, IReadOnlyDictionary<long, double>? byId, Dictionary<long, int> indexOf)
    {
        var parameters = Enumerable.Repeat(1.0, count).ToArray();
        foreach (var (id, k) in byId ?? new Dictionary<long, double>()) parameters[indexOf[id]] = k;
        return parameters;
    }

    private static Dictionary<long, int> IndexOf(IReadOnlyList<long> itemIds)
    {
        var indexOf = new Dictionary<long, int>(itemIds.Count);
        for (var i = 0; i < itemIds.Count; i++) indexOf.TryAdd(itemIds[i], i);
        return indexOf;
    }

    // Collects every fault rather than stopping at the first, so a designer fixes a design in one round.
    private sealed class Checker(ItemBank bank, IReadOnlyList<long> itemIds, IReadOnlyCollection<int> neverGiven, bool forRunningExam)
    {
        private readonly Dictionary<long, int> _indexOf = IndexOf(itemIds);
        private readonly HashSet<int> _neverGiven = [.. neverGiven];

        public List<DesignProblem> Problems { get; } = [];

        private int Available => bank.Count - _neverGiven.Count;

        public void Design(TestDesign design)
        {
            if (itemIds.Distinct().Count() != itemIds.Count) Add("bank", "The bank's item ids are not unique.");
            if (design.Scaling is not (1 or 1.702)) Add("scaling", $"scaling (D) must be 1 or 1.702, not {Number(design.Scaling)}.");
            if (design.TimeLimitSeconds is < 10 or > 86_400) Add("timeLimitSeconds", "timeLimitSeconds must be between 10 and 86400.");
            Estimator(design.Estimator);
            FirstItem(design.FirstItem);
            var maxItems = Stopping(design.Stopping);
            Selection(design.Selection, maxItems, design.Stopping?.MinItems ?? 0);
        }

        private void Estimator(EstimatorDesign? estimator)
        {
            if (estimator is null) return;
            var method = estimator.Method?.ToUpperInvariant();
            if (method is null || !Methods.Contains(method)) Add("estimator.method", $"estimator.method must be one of {string.Join(", ", Methods)}.");
            var hasPrior = estimator.PriorMean is not null || estimator.PriorSd is not null;
            if (hasPrior && method is "ML" or "WL")
                Add(estimator.PriorMean is null ? "estimator.priorSd" : "estimator.priorMean", $"A prior applies to EAP and BM only, not to {method}.");
            if (estimator.PriorMean is { } mean && (!double.IsFinite(mean) || Math.Abs(mean) > 4)) Add("estimator.priorMean", "estimator.priorMean must be between -4 and 4.");
            if (estimator.PriorSd is { } sd && (!double.IsFinite(sd) || sd < 0.1 || sd > 10)) Add("estimator.priorSd", "estimator.priorSd must be between 0.1 and 10.");
        }

        private void FirstItem(FirstItemDesign? first)
        {
            if (first is null) return;
            if (!FirstItemRules.Contains(first.Rule)) Add("firstItem.rule", $"firstItem.rule must be one of {string.Join(", ", FirstItemRules)}.");
            if (first.Candidates is int k && (k < 1 || k > MaxCandidates)) Add("firstItem.candidates", $"firstItem.candidates must be between 1 and {MaxCandidates}.");
            if (first.Candidates is not null && first.Rule != "randomesque") Add("firstItem.candidates", "firstItem.candidates applies to the randomesque rule only.");
            if (!double.IsFinite(first.StartTheta) || Math.Abs(first.StartTheta) > 4) Add("firstItem.startTheta", "firstItem.startTheta must be between -4 and 4.");
        }

        // Returns the maximum length when it is valid, for the checks that depend on it.
        private int? Stopping(StoppingDesign? stopping)
        {
            if (stopping is null)
            {
                Add("stopping", "stopping is required (at least stopping.maxItems).");
                return null;
            }
            int? maxItems = null;
            if (stopping.MaxItems is not int max) Add("stopping.maxItems", "stopping.maxItems is required.");
            else if (max < 1 || max > MaxItemsCap) Add("stopping.maxItems", $"stopping.maxItems must be between 1 and {MaxItemsCap}.");
            else if (max > Available && !forRunningExam) Add("stopping.maxItems", $"stopping.maxItems {max} exceeds the {Available} items that can be given.");
            else maxItems = max;
            if (stopping.MinItems < 0 || (maxItems is int m && stopping.MinItems > m)) Add("stopping.minItems", "stopping.minItems must be between 0 and stopping.maxItems.");
            if (stopping.SeTarget is { } se && (!double.IsFinite(se) || se < 0.05 || se > 2)) Add("stopping.seTarget", "stopping.seTarget must be between 0.05 and 2.");
            if (stopping.Classification is not null && stopping.Sprt is not null)
                Add("stopping.sprt", "Give stopping.classification or stopping.sprt, not both: a test classifies by one rule.");
            if (stopping.Classification is { } classification)
            {
                Cuts("stopping.classification", classification.Cuts, 0);
                if (!(classification.Confidence >= 0.5 && classification.Confidence < 1))
                    Add("stopping.classification.confidence", "stopping.classification.confidence must be in [0.5, 1), e.g. 0.95.");
                Levels("stopping.classification.levels", classification.Levels, classification.Cuts);
            }
            if (stopping.Sprt is { } sprt)
            {
                if (sprt.Indifference is not double delta || !double.IsFinite(delta) || delta <= 0 || delta > 2)
                    Add("stopping.sprt.indifference", "stopping.sprt.indifference (δ) is required, greater than 0 and at most 2.");
                Cuts("stopping.sprt", sprt.Cuts, sprt.Indifference is > 0 and <= 2 ? sprt.Indifference.Value : 0);
                if (!(sprt.Alpha > 0 && sprt.Alpha < 0.5)) Add("stopping.sprt.alpha", "stopping.sprt.alpha must be in (0, 0.5).");
                if (!(sprt.Beta > 0 && sprt.Beta < 0.5)) Add("stopping.sprt.beta", "stopping.sprt.beta must be in (0, 0.5).");
                Levels("stopping.sprt.levels", sprt.Levels, sprt.Cuts);
            }
            return maxItems;
        }

        private void Cuts(string path, IReadOnlyList<double>? cuts, double indifference)
        {
            if (cuts is null || cuts.Count == 0)
            {
                Add(path + ".cuts", $"{path}.cuts needs at least one cut score.");
                return;
            }
            for (var k = 0; k < cuts.Count; k++)
            {
                if (!double.IsFinite(cuts[k]) || Math.Abs(cuts[k]) > 4) Add($"{path}.cuts[{k}]", "Cut scores must be between -4 and 4.");
                else if (k > 0 && !(cuts[k] > cuts[k - 1])) Add($"{path}.cuts[{k}]", $"Cut scores must be strictly increasing; {Number(cuts[k])} follows {Number(cuts[k - 1])}.");
                else if (k > 0 && indifference > 0 && !(cuts[k - 1] + indifference < cuts[k] - indifference))
                    Add($"{path}.cuts[{k}]", $"The indifference regions of cuts {Number(cuts[k - 1])} and {Number(cuts[k])} overlap: they must be more than 2δ = {Number(2 * indifference)} apart.");
            }
        }

        private void Levels(string path, IReadOnlyList<string>? levels, IReadOnlyList<double>? cuts)
        {
            if (levels is null || cuts is null) return;
            if (levels.Count != cuts.Count + 1) Add(path, $"{path} names {levels.Count} levels; {cuts.Count} cuts make {cuts.Count + 1}.");
            if (levels.Any(string.IsNullOrWhiteSpace) || levels.Distinct(StringComparer.Ordinal).Count() != levels.Count) Add(path, $"{path} must be distinct, non-empty names.");
        }

        private void Selection(SelectionDesign? selection, int? maxItems, int minItems)
        {
            if (selection is null) return;
            if (!SelectionRules.Contains(selection.Rule)) Add("selection.rule", $"selection.rule must be one of {string.Join(", ", SelectionRules)}.");
            if (selection.Rule == "randomesque" && selection.Candidates is not (>= 1 and <= MaxCandidates))
                Add("selection.candidates", $"selection.candidates must be between 1 and {MaxCandidates} for the randomesque rule.");
            if (selection.Rule != "randomesque" && selection.Candidates is not null) Add("selection.candidates", "selection.candidates applies to the randomesque rule only.");
            if (selection.ExposureParameters is { } parameters)
            {
                if (selection.Rule != "sympson-hetter") Add("selection.exposureParameters", "selection.exposureParameters applies to the sympson-hetter rule only.");
                foreach (var (id, k) in parameters.OrderBy(p => p.Key))
                {
                    var path = $"selection.exposureParameters.{id.ToString(CultureInfo.InvariantCulture)}";
                    if (!_indexOf.ContainsKey(id)) Add(path, $"Item {id.ToString(CultureInfo.InvariantCulture)} is not in the bank.");
                    if (!(k >= 0 && k <= 1)) Add(path, $"The Sympson-Hetter K of item {id.ToString(CultureInfo.InvariantCulture)} must be in [0, 1], not {Number(k)}.");
                }
            }
            EnemySets(selection.EnemySets);
            Blueprint(selection.Blueprint, maxItems, minItems);
        }

        private void EnemySets(IReadOnlyList<IReadOnlyList<long>>? sets)
        {
            if (sets is null) return;
            for (var s = 0; s < sets.Count; s++)
            {
                var set = sets[s];
                var path = $"selection.enemySets[{s}]";
                if (set is null || set.Count < 2) Add(path, "An enemy set needs at least two items.");
                else if (set.Distinct().Count() != set.Count) Add(path, "An enemy set names an item twice.");
                foreach (var id in set ?? []) if (!_indexOf.ContainsKey(id)) Add(path, $"Item {id.ToString(CultureInfo.InvariantCulture)} is not in the bank.");
            }
        }

        private void Blueprint(IReadOnlyList<TopicTarget>? blueprint, int? maxItems, int minItems)
        {
            if (blueprint is null) return;
            if (blueprint.Count == 0)
            {
                Add("selection.blueprint", "selection.blueprint, when given, needs at least one topic.");
                return;
            }
            var availableIn = new int[bank.Topics.Count];
            for (var i = 0; i < bank.Count; i++) if (!_neverGiven.Contains(i)) availableIn[bank.TopicIndexOf(i)]++;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            double shareSum = 0;
            var anyShare = false;
            var totalMin = 0;
            var capacityOfLimited = 0;
            for (var k = 0; k < blueprint.Count; k++)
            {
                var line = blueprint[k];
                var path = $"selection.blueprint[{k}]";
                var topic = line.Topic is null ? -1 : IndexOfTopic(line.Topic);
                if (line.Topic is null) { Add(path + ".topic", "topic is required."); continue; }
                if (topic < 0) { Add(path + ".topic", $"The bank has no topic '{line.Topic}'."); continue; }
                if (!seen.Add(line.Topic)) { Add(path + ".topic", $"Topic '{line.Topic}' appears twice in the blueprint."); continue; }
                if (line.Share is null && line.Min is null && line.Max is null) Add(path, $"Give topic '{line.Topic}' a share, a min or a max.");
                if (line.Share is { } share)
                {
                    anyShare = true;
                    if (!(share >= 0 && share <= 1)) Add(path + ".share", "share must be between 0 and 1.");
                    else shareSum += share;
                }
                var min = line.Min ?? 0;
                if (min < 0) Add(path + ".min", "min must be ≥ 0.");
                else if (min > availableIn[topic] && !forRunningExam) Add(path + ".min", $"min {min} exceeds the {availableIn[topic]} items of topic '{line.Topic}' that can be given.");
                if (line.Max is int max && (max < Math.Max(min, 0) || max < 0)) Add(path + ".max", "max must be ≥ min and ≥ 0.");
                totalMin += Math.Max(min, 0);
                capacityOfLimited += Math.Min(line.Max ?? int.MaxValue, availableIn[topic]);
            }
            if (anyShare && Math.Abs(shareSum - 1) > ShareTolerance)
                Add("selection.blueprint", $"The topic shares sum to {Number(shareSum)}; they must sum to 1.");
            if (maxItems is int length && totalMin > length)
                Add("selection.blueprint", $"The topic minimums add up to {totalMin} items, more than stopping.maxItems {length}.");
            // Topics without a line are unlimited; the test cannot reach its minimum length when everything else is capped.
            var capacity = capacityOfLimited;
            for (var t = 0; t < bank.Topics.Count; t++) if (!seen.Contains(bank.Topics[t])) capacity += availableIn[t];
            if (capacity < minItems && !forRunningExam)
                Add("selection.blueprint", $"The topic maximums leave {capacity} items that can be given, fewer than stopping.minItems {minItems}.");
        }

        private int IndexOfTopic(string topic)
        {
            for (var t = 0; t < bank.Topics.Count; t++) if (string.Equals(bank.Topics[t], topic, StringComparison.Ordinal)) return t;
            return -1;
        }

        private void Add(string field, string message) => Problems.Add(new DesignProblem(field, message));

        private static string Number(double value) => value.ToString("G", CultureInfo.InvariantCulture);
    }
}
