using System.Diagnostics;
using System.Diagnostics.Metrics;
using ExamStore.Bank;
using ExamStore.Sessions;

namespace ExamStore.Practice;

/// <summary>
/// Generates a practice session: validates the request, reads the student's record and the weak, current and revision
/// topics through the cache layers, allocates the sections, chooses the items with the seed, stores the session in
/// Postgres and caches its plan.
/// </summary>
public sealed class PracticeGenerator(ItemBankCache banks, PracticeLayers layers, PracticeSessionStore store, SessionTokens tokens, PracticeOptions options, TimeProvider clock)
{
    /// <summary>Largest seed a request may give: every seed survives a JavaScript client's numbers.</summary>
    public const long MaxSeed = (1L << 53) - 1;

    private static readonly Histogram<double> Duration = CacheStatistics.Meter.CreateHistogram<double>(
        "practice.generation.duration", "s", "Time to generate a practice session, from the request to the stored session");

    /// <summary>Generates and stores a session; the result holds its token.</summary>
    public async Task<PracticeSessionCreated> GenerateAsync(PracticeRequest request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.StudentId) || request.StudentId.Length > 100) throw Invalid("studentId", "studentId is required (1 to 100 characters).");
        if (string.IsNullOrWhiteSpace(request.Subject) || request.Subject.Length > 100) throw Invalid("subject", "subject is required (1 to 100 characters).");
        if (request.Size is < 1 || request.Size > options.MaxSize) throw Invalid("size", $"size must be between 1 and {options.MaxSize}.");
        if (request.Mix is { } asked && !IsValid(asked)) throw Invalid("mix", "mix needs non-negative finite shares (weak, current, revision) with a positive sum.");
        if (request.Seed is < 0 or > MaxSeed) throw Invalid("seed", $"seed must be an integer from 0 to {MaxSeed}.");

        var began = Stopwatch.GetTimestamp();
        var now = PracticeSessionStore.Now(clock);
        var snapshot = await Pg(() => banks.GetAsync(request.Subject, cancellationToken));
        if (snapshot is null || snapshot.ActiveCount == 0)
            throw new ExamException(ExamErrorKind.NotFound, "Subject not found", $"There is no item bank for subject '{request.Subject}'.", "subject");
        var configuration = await layers.ConfigurationAsync(snapshot);
        var size = request.Size ?? Math.Min(configuration.DefaultSize, configuration.ActiveItems);
        if (size > configuration.ActiveItems) throw Invalid("size", $"size {size} exceeds the {configuration.ActiveItems} items of subject '{request.Subject}'.");
        var mix = request.Mix ?? configuration.DefaultMix;
        var seed = request.Seed ?? Random.Shared.NextInt64(MaxSeed + 1);

        // The four reads go out together; a source that misses waits for the record it is computed from.
        var performance = Pg(() => layers.PerformanceAsync(request.StudentId, now, cancellationToken));
        var sources = await Task.WhenAll(
            Pg(() => layers.TopicsAsync(CacheLayer.WeakConcepts, request.StudentId, request.Subject, performance, r => TopicSources.Weak(r, configuration, options))),
            Pg(() => layers.TopicsAsync(CacheLayer.CurrentTopics, request.StudentId, request.Subject, performance, r => TopicSources.Current(r, configuration, options))),
            Pg(() => layers.TopicsAsync(CacheLayer.RevisionTopics, request.StudentId, request.Subject, performance, r => TopicSources.Revision(r, configuration, now, options))));
        var student = await performance
            ?? throw new ExamException(ExamErrorKind.NotFound, "Student not found", $"No student '{request.StudentId}' is known: a student is known from their first exam.", "studentId");

        var topics = sources.Select(s => s!).ToArray();
        var (slots, notes) = SectionAllocation.Allocate(size, mix, topics, options);
        var chosen = ItemChooser.Choose(snapshot, configuration, student.In(request.Subject), topics, slots,
            new Random(unchecked((int)seed ^ (int)(seed >> 32))), options.Candidates);
        var plan = await PlanAsync(Guid.CreateVersion7(), request, seed, size, mix, now, chosen, notes, cancellationToken);
        await Pg(async () =>
        {
            await store.InsertAsync(plan, cancellationToken);
            return true;
        });
        await layers.PutPlanAsync(plan);
        Duration.Record(Stopwatch.GetElapsedTime(began).TotalSeconds);
        return new PracticeSessionCreated(plan.SessionId, tokens.Issue(plan.SessionId), plan.StudentId, plan.Subject, plan.Seed, plan.Size, plan.Mix, plan.CreatedAt, plan.Sections, plan.Notes);
    }

    private async Task<PracticePlan> PlanAsync(Guid sessionId, PracticeRequest request, long seed, int size, PracticeMix mix, DateTime now,
        IReadOnlyList<ChosenSection> chosen, IReadOnlyList<string> notes, CancellationToken cancellationToken)
    {
        var byTopic = chosen.SelectMany(s => s.Items).GroupBy(i => i.Topic, StringComparer.Ordinal).ToArray();
        var sets = await Task.WhenAll(byTopic.Select(group =>
            Pg(() => layers.QuestionSetAsync(request.Subject, group.Key, group.Select(i => i.ItemId).ToArray(), cancellationToken))));
        var content = byTopic.Zip(sets).SelectMany(pair => pair.First.Select(i => pair.Second.Find(i.ItemId)!)).ToDictionary(q => q.ItemId);
        var position = 0;
        var sections = chosen.Select(section => new PracticeSection(section.Name, section.Topics,
            section.Items.Select(item => new PracticeQuestion(++position, item.ItemId, item.Topic, content[item.ItemId].Content, content[item.ItemId].Options)).ToArray())).ToArray();
        return new PracticePlan(sessionId, request.StudentId, request.Subject, seed, size, mix, now, sections, notes);
    }

    private static bool IsValid(PracticeMix mix)
    {
        double[] shares = [mix.Weak, mix.Current, mix.Revision];
        return shares.All(s => double.IsFinite(s) && s >= 0) && shares.Sum() > 0;
    }

    private static ExamException Invalid(string field, string detail) => new(ExamErrorKind.Invalid, $"Invalid {field}", detail, field);

    private static Task<T> Pg<T>(Func<Task<T>> call) => DatabaseCalls.RunAsync(call);
}
