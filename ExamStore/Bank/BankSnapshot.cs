using System.Collections.Concurrent;
using Engine.Bank;
using Engine.Design;
using Engine.Models;
using ExamStore.Data;
using ExamStore.Sessions;

namespace ExamStore.Bank;

/// <summary>
/// One subject's item bank at one version, held in process memory: the Engine's <see cref="ItemBank"/> over every item
/// of the subject ordered by id (retired ones too, so old exams replay; they are never selected), with the answer keys.
/// </summary>
public sealed class BankSnapshot
{
    private readonly Dictionary<long, int> _indexOf;
    private readonly ItemEntity[] _items;
    private readonly ConcurrentDictionary<double, ItemBank> _banksByScaling = new();
    private readonly ConcurrentDictionary<long, CompiledDesign> _designs = new();
    private readonly ConcurrentDictionary<long, IReadOnlyList<DesignProblem>> _fitProblems = new();

    private BankSnapshot(string subject, long version, ItemEntity[] items)
    {
        _items = items;
        Subject = subject;
        Version = version;
        ItemIds = items.Select(i => i.Id).ToArray();
        AnswerKeys = items.Select(i => i.AnswerKey).ToArray();
        OptionCounts = items.Select(i => i.Options.Count).ToArray();
        RetiredIndices = Enumerable.Range(0, items.Length).Where(i => items[i].Status == ItemStatus.Retired).ToArray();
        _indexOf = Enumerable.Range(0, items.Length).ToDictionary(i => ItemIds[i]);
        Bank = Build(items, LogisticItem.DefaultScaling);
        _banksByScaling[LogisticItem.DefaultScaling] = Bank;
    }

    /// <summary>Subject.</summary>
    public string Subject { get; }

    /// <summary>Bank version this snapshot was loaded at.</summary>
    public long Version { get; }

    /// <summary>The Engine bank; index k is the item <see cref="ItemIds"/>[k].</summary>
    public ItemBank Bank { get; }

    /// <summary>Item ids by bank index.</summary>
    public IReadOnlyList<long> ItemIds { get; }

    /// <summary>Correct option by bank index.</summary>
    public IReadOnlyList<int> AnswerKeys { get; }

    /// <summary>Number of options by bank index.</summary>
    public IReadOnlyList<int> OptionCounts { get; }

    /// <summary>Bank indices of retired items, excluded from selection.</summary>
    public IReadOnlyList<int> RetiredIndices { get; }

    /// <summary>
    /// Question views of this snapshot's items read so far (see <see cref="HotState.QuestionCache"/>). They live as long
    /// as the snapshot, which is replaced whenever the subject's items change, so they are never stale.
    /// </summary>
    internal ConcurrentDictionary<long, QuestionView> Questions { get; } = new();

    /// <summary>Number of items that can still be served.</summary>
    public int ActiveCount => ItemIds.Count - RetiredIndices.Count;

    /// <summary>Builds a snapshot from a subject's items (any order).</summary>
    public static BankSnapshot Create(string subject, long version, IEnumerable<ItemEntity> items) =>
        new(subject, version, items.OrderBy(i => i.Id).ToArray());

    /// <summary>The Engine bank with the scaling constant D (1 or 1.702), built once per snapshot and D.</summary>
    public ItemBank BankAt(double scaling) => _banksByScaling.GetOrAdd(scaling, d => Build(_items, d));

    /// <summary>
    /// A design version composed for this snapshot (its bank at the design's D, retired items never selected), built once
    /// per snapshot and version, as exams already running on it need it: items retired since it was checked shorten
    /// those exams (bank exhaustion) rather than stopping them. Throws <see cref="DesignException"/> only for faults
    /// that make it unusable at all (an item it names is gone, say).
    /// </summary>
    public CompiledDesign Compile(long designKey, TestDesign design) =>
        _designs.GetOrAdd(designKey, _ => DesignCompiler.Compile(design, BankAt(design.Scaling), ItemIds, RetiredIndices, forRunningExam: true));

    /// <summary>What keeps a new exam from starting on the version: its full check against the items that can be given now (cached per version).</summary>
    public IReadOnlyList<DesignProblem> FitProblems(long designKey, TestDesign design) =>
        _fitProblems.GetOrAdd(designKey, _ => DesignCompiler.Validate(design, BankAt(design.Scaling), ItemIds, RetiredIndices));

    /// <summary>The bank index of an item id, or −1 when the item is not in this subject.</summary>
    public int IndexOf(long itemId) => _indexOf.TryGetValue(itemId, out var index) ? index : -1;

    private static ItemBank Build(ItemEntity[] items, double scaling) => new(
        items.Select(i => (IItemModel)new LogisticItem(i.A, i.B, i.C, i.D, scaling, i.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        items.Select(i => i.Topic));
}
