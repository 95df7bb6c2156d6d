using Engine.Bank;
using Engine.Design;

namespace Engine.Simulation;

/// <summary>One round of the calibration: the exposure the K values in force gave.</summary>
/// <param name="Iteration">1-based round.</param>
/// <param name="MaxExposure">Largest share of examinees given one item, max P(A).</param>
/// <param name="MaxSelection">Largest number of selections of one item per examinee, max P(S) (may exceed 1: see <see cref="SympsonHetterCalibration"/>).</param>
/// <param name="ItemsLimited">Items whose K was below 1 in this round.</param>
public sealed record ExposureIteration(int Iteration, double MaxExposure, double MaxSelection, int ItemsLimited);

/// <summary>The outcome of a calibration.</summary>
/// <param name="Design">The input design with <c>selection.rule = "sympson-hetter"</c> and the K values found.</param>
/// <param name="ExposureParameters">K by item id, only the items with K &lt; 1.</param>
/// <param name="Iterations">Every round, in order.</param>
/// <param name="Converged">True when a round met the target; otherwise the K values of the round with the lowest max exposure are kept.</param>
public sealed record SympsonHetterCalibrationResult(
    TestDesign Design,
    IReadOnlyDictionary<long, double> ExposureParameters,
    IReadOnlyList<ExposureIteration> Iterations,
    bool Converged);

/// <summary>
/// Sympson and Hetter's (1985) iterative simulations for the exposure parameters K of a design. Every K starts at 1;
/// each round simulates the examinees with the K values in force and counts, per item, P(A), the share of examinees
/// given it, and P(S), its selections per examinee: lottery draws (each time the walk reached it as the best remaining
/// item, <see cref="Selection.ItemSelection.PassedOver"/> or given) plus administrations by a rule without a lottery
/// (the first item). Where P(S) &gt; r_max the next round's K is (r_max − F) / D, with D the draws and F the
/// administrations without a lottery per examinee, else 1. With no first-item share (F = 0) and at most one draw per
/// examinee this is the classic K = r_max / P(S); it counts draws rather than examinees because the Engine's lottery
/// keeps no memory within a test (see <see cref="Selection.ExposureControl.SympsonHetter"/>), so a rejected item is
/// drawn again at the next step, and P(A) = F + K·D holds exactly. Lowering an item's K raises its D (it stays the
/// best remaining for more steps), so that step alone approaches the target slowly; from the second lowering on, an
/// item above target steps by the elasticity of its exposure to K measured over its last two rounds. Items are aimed at
/// r_max − tolerance, so that sampling noise across many items at the target leaves the largest rate within r_max +
/// tolerance. The calibration ends at the first round whose max P(A) is at most r_max + tolerance, and those K values are the result.
/// </summary>
public static class SympsonHetterCalibration
{
    /// <summary>K is kept to this many decimals, so a stored design reads cleanly; the change is far below the simulation's noise.</summary>
    private const int Decimals = 4;

    /// <summary>Runs the calibration (the design's own selection rule and K values are replaced).</summary>
    /// <param name="design">The design; its selection becomes Sympson-Hetter.</param>
    /// <param name="bank">The bank, built with the design's scaling.</param>
    /// <param name="itemIds">The id of each bank item, by index.</param>
    /// <param name="trueThetas">The simulated examinees' abilities, used in every round.</param>
    /// <param name="maxExposure">The target r_max in (0, 1].</param>
    /// <param name="iterations">Most rounds to run.</param>
    /// <param name="tolerance">How far above r_max the max exposure of a round may lie for the calibration to end.</param>
    /// <param name="seed">Seeds every round's random streams (each round gets fresh ones).</param>
    /// <param name="neverGiven">Retired bank indices, as for <see cref="DesignCompiler.Compile"/>.</param>
    /// <param name="cancellationToken">Stops between examinees.</param>
    /// <param name="progress">Told about each round as it ends.</param>
    public static SympsonHetterCalibrationResult Run(TestDesign design, ItemBank bank, IReadOnlyList<long> itemIds, IReadOnlyList<double> trueThetas,
        double maxExposure, int iterations, double tolerance, int seed, IReadOnlyCollection<int>? neverGiven = null,
        CancellationToken cancellationToken = default, IProgress<ExposureIteration>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(design);
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(itemIds);
        ArgumentNullException.ThrowIfNull(trueThetas);
        if (!(maxExposure > 0 && maxExposure <= 1)) throw new ArgumentOutOfRangeException(nameof(maxExposure), maxExposure, "r_max must be in (0, 1].");
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        if (!(tolerance >= 0 && double.IsFinite(tolerance))) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The tolerance must be a finite number ≥ 0.");
        if (trueThetas.Count == 0) throw new ArgumentException("The calibration needs at least one examinee.", nameof(trueThetas));

        var parameters = Enumerable.Repeat(1.0, bank.Count).ToArray();
        var previousK = Enumerable.Repeat(1.0, bank.Count).ToArray();
        var previousByLottery = new double[bank.Count];
        var rounds = new List<ExposureIteration>();
        TestDesign? best = null;
        var bestExposure = double.PositiveInfinity;
        for (var round = 1; round <= iterations; round++)
        {
            var current = WithParameters(design, itemIds, parameters);
            var compiled = DesignCompiler.Compile(current, bank, itemIds, neverGiven);
            var administrations = DesignSimulation.Administer(compiled, bank, trueThetas, CatSimulation.DeriveSeed(seed, round, 5), retest: false, cancellationToken, null);
            var given = new int[bank.Count];
            var draws = new int[bank.Count];
            var withoutLottery = new int[bank.Count];
            foreach (var administration in administrations)
            {
                foreach (var item in administration.Test.Items) given[item]++;
                foreach (var item in administration.LotteryDraws) draws[item]++;
                foreach (var item in administration.GivenWithoutLottery) withoutLottery[item]++;
            }
            double n = administrations.Length;
            var selected = new double[bank.Count];
            for (var i = 0; i < selected.Length; i++) selected[i] = (draws[i] + withoutLottery[i]) / n;
            var iteration = new ExposureIteration(round, given.Max() / n, selected.Max(), parameters.Count(k => k < 1));
            rounds.Add(iteration);
            progress?.Report(iteration);
            if (iteration.MaxExposure < bestExposure)
            {
                bestExposure = iteration.MaxExposure;
                best = current;
            }
            if (iteration.MaxExposure <= maxExposure + tolerance) return Result(current, rounds, converged: true);
            for (var i = 0; i < parameters.Length; i++)
            {
                // P(A) = F + K·D exactly: every draw gives the item with probability K, and a given item is never drawn again.
                var lottery = draws[i] / n;
                var withoutDraw = withoutLottery[i] / n;
                var byLottery = given[i] / n - withoutDraw;
                // Aimed at r_max − tolerance: items held at r_max itself would put the largest of many noisy rates above the stopping bound.
                var target = maxExposure - tolerance - withoutDraw;
                var next = 1.0;
                if (selected[i] > maxExposure && lottery > 0)
                {
                    next = target / lottery;
                    // Lowering K keeps the item the best remaining at more steps (more draws), so the step above falls short
                    // and the rounds creep down. Once two rounds show how the item's exposure answers K, step by that elasticity.
                    if (byLottery > target && target > 0 && parameters[i] < previousK[i] && previousByLottery[i] > byLottery && byLottery > 0)
                    {
                        var elasticity = Math.Log(previousByLottery[i] / byLottery) / Math.Log(previousK[i] / parameters[i]);
                        if (elasticity is > 0.05 and < 1) next = parameters[i] * Math.Pow(target / byLottery, 1 / elasticity);
                    }
                }
                previousK[i] = parameters[i];
                previousByLottery[i] = byLottery;
                parameters[i] = Math.Round(Math.Clamp(next, 0, 1), Decimals);
            }
        }
        return Result(best!, rounds, converged: false);
    }

    private static SympsonHetterCalibrationResult Result(TestDesign design, List<ExposureIteration> rounds, bool converged) =>
        new(design, design.Selection!.ExposureParameters!, rounds, converged);

    private static TestDesign WithParameters(TestDesign design, IReadOnlyList<long> itemIds, double[] parameters)
    {
        var byId = new SortedDictionary<long, double>();
        for (var i = 0; i < parameters.Length; i++)
        {
            if (parameters[i] < 1) byId[itemIds[i]] = parameters[i];
        }
        var selection = (design.Selection ?? new SelectionDesign()) with
        {
            Rule = "sympson-hetter",
            Candidates = null,
            ExposureParameters = byId,
        };
        return design with { Selection = selection };
    }
}
