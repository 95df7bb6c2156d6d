namespace Engine.Selection;

/// <summary>How the most informative items are protected from over-exposure.</summary>
public abstract record ExposureControl
{
    private protected ExposureControl()
    {
    }

    /// <summary>No exposure control: always the single most informative item.</summary>
    public static ExposureControl None { get; } = new NoExposureControl();

    /// <summary>Randomesque: uniformly at random among the <paramref name="count"/> most informative items.</summary>
    public static ExposureControl Randomesque(int count) => new RandomesqueExposure(count);

    /// <summary>
    /// Sympson-Hetter: walking down the items by information, item i is given with probability K[i], otherwise the next
    /// one is tried. <paramref name="exposureParameters"/> has one K in [0, 1] per bank item.
    /// </summary>
    /// <remarks>
    /// Two departures from the classic procedure, both because selectors are stateless (an exam's state is only its
    /// items and answers, so it replays from them): each selection is a fresh lottery, so an item rejected at one
    /// step can be drawn and given at a later step of the same test instead of being set aside for it; and the walk
    /// stops after the 64 most informative eligible items, so when all of those are rejected the most informative
    /// one is given whatever its K (even 0), with the rule "sympson-hetter(all rejected: most informative)".
    /// </remarks>
    public static ExposureControl SympsonHetter(IReadOnlyList<double> exposureParameters) => new SympsonHetterExposure(exposureParameters);

    /// <summary>How many of the best candidates this control may need to see.</summary>
    internal abstract int CandidatesNeeded { get; }

    /// <summary>
    /// Picks one of the ranked candidates (best first; never empty) and names the rule. <c>Walked</c> is how many of the
    /// leading candidates a lottery reached (each one the best remaining when it was drawn for), the chosen one
    /// included; 0 for rules that draw no lottery.
    /// </summary>
    internal abstract (Candidate Chosen, string Rule, int Walked) Choose(ReadOnlySpan<Candidate> ranked, Random random);
}

internal sealed record NoExposureControl : ExposureControl
{
    internal override int CandidatesNeeded => 1;

    internal override (Candidate Chosen, string Rule, int Walked) Choose(ReadOnlySpan<Candidate> ranked, Random random) => (ranked[0], "MFI", 0);
}

internal sealed record RandomesqueExposure : ExposureControl
{
    public RandomesqueExposure(int count)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "Randomesque needs at least 1 candidate.");
        Count = count;
    }

    public int Count { get; }

    internal override int CandidatesNeeded => Count;

    internal override (Candidate Chosen, string Rule, int Walked) Choose(ReadOnlySpan<Candidate> ranked, Random random) =>
        (ranked[random.Next(Math.Min(Count, ranked.Length))], $"randomesque({Count})", 0);
}

internal sealed record SympsonHetterExposure : ExposureControl
{
    // Walking further than this many candidates means the exposure parameters are degenerate; the best item is given
    // (documented on ExposureControl.SympsonHetter) rather than ranking the whole bank for one lottery.
    private const int MaximumWalk = 64;

    private readonly double[] _parameters;

    public SympsonHetterExposure(IReadOnlyList<double> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters.ToArray();
        for (var i = 0; i < _parameters.Length; i++)
        {
            if (double.IsNaN(_parameters[i]) || _parameters[i] < 0 || _parameters[i] > 1)
                throw new ArgumentOutOfRangeException(nameof(parameters), _parameters[i], $"The Sympson-Hetter parameter of item {i} must be in [0, 1].");
        }
    }

    internal override int CandidatesNeeded => MaximumWalk;

    internal override (Candidate Chosen, string Rule, int Walked) Choose(ReadOnlySpan<Candidate> ranked, Random random)
    {
        for (var walked = 0; walked < ranked.Length; walked++)
        {
            var candidate = ranked[walked];
            if ((uint)candidate.Item >= (uint)_parameters.Length)
                throw new InvalidOperationException($"Item {candidate.Item} has no Sympson-Hetter parameter (only {_parameters.Length} were given).");
            if (random.NextDouble() < _parameters[candidate.Item]) return (candidate, "sympson-hetter", walked + 1);
        }
        return (ranked[0], "sympson-hetter(all rejected: most informative)", ranked.Length);
    }
}
