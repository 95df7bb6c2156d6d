using System.Text.Json;
using Engine.Design;
using Engine.Stopping;
using ExamStore.Bank;
using ExamStore.Data;
using ExamStore.Designs;
using Microsoft.EntityFrameworkCore;

namespace ExamStore.Sessions;

/// <summary>
/// What Postgres records of an exam, read without touching its hot state: the summary (with the classification
/// replayed from the answers on the session's design version), the step-by-step history, whether it exists.
/// </summary>
public sealed class ExamRecords(ExamDbContext db, ItemBankCache banks, ExamDesignStore designs)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The summary of a session, whatever its state; null when it does not exist.</summary>
    public async Task<ExamSummary?> SummaryAsync(Guid sessionId, CancellationToken cancellationToken) =>
        await SummaryAsync(await Pg(() => db.ExamSessions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == sessionId, cancellationToken)), cancellationToken);

    /// <summary>The summary of a session row just read (null when there is none).</summary>
    public async Task<ExamSummary?> SummaryAsync(ExamSessionEntity? session, CancellationToken cancellationToken)
    {
        if (session is null) return null;
        var proficiency = await Pg(() => db.StudentProficiencies.AsNoTracking()
            .Where(p => p.StudentId == session.StudentId && p.Subject == session.Subject && p.Topic != "")
            .ToDictionaryAsync(p => p.Topic, p => p.Theta, cancellationToken));
        var configuration = JsonSerializer.Deserialize<StoredConfiguration>(session.Configuration, Json)!;
        return new ExamSummary(session.Id, session.StudentId, session.Subject, configuration.DesignId, configuration.DesignVersion, session.Status, session.Theta, session.Se,
            session.ItemCount, session.StopReason, await ClassifyAsync(session, cancellationToken), proficiency, session.StartedAt, session.CompletedAt);
    }

    /// <summary>True when the session exists (whatever its state).</summary>
    public async Task<bool> ExistsAsync(Guid sessionId, CancellationToken cancellationToken) =>
        await Pg(() => db.ExamSessions.AsNoTracking().AnyAsync(s => s.Id == sessionId, cancellationToken));

    /// <summary>Every step of an exam: item, times, response, correctness, θ/SE after, and why the item was chosen.</summary>
    public async Task<IReadOnlyList<ExamHistoryStep>> HistoryAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        var session = await Pg(() => db.ExamSessions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == sessionId, cancellationToken))
            ?? throw new ExamException(ExamErrorKind.NotFound, "Session not found", "No such session.", "sessionId");
        var attempts = await Pg(() => db.Attempts.AsNoTracking().Where(a => a.SessionId == sessionId).OrderBy(a => a.Seq).ToListAsync(cancellationToken));
        var topics = await Pg(() => db.Items.AsNoTracking().Where(i => attempts.Select(a => a.ItemId).Contains(i.Id)).ToDictionaryAsync(i => i.Id, i => i.Topic, cancellationToken));
        var choice = JsonSerializer.Deserialize<ItemChoice>(session.FirstSelection, Json)!;
        var steps = new List<ExamHistoryStep>(attempts.Count);
        foreach (var attempt in attempts)
        {
            steps.Add(new ExamHistoryStep(attempt.Seq, attempt.ItemId, topics[attempt.ItemId], attempt.ServedAt, attempt.AnsweredAt, attempt.Response, attempt.Correct, attempt.ThetaAfter, attempt.SeAfter, choice));
            if (attempt.NextSelection is not null) choice = JsonSerializer.Deserialize<ItemChoice>(attempt.NextSelection, Json)!;
        }
        return steps;
    }

    // The classification of an exam as it ended (forced when the rule had not settled it), replayed from its answers;
    // null when its design does not classify.
    private async Task<ExamClassification?> ClassifyAsync(ExamSessionEntity session, CancellationToken cancellationToken)
    {
        if (session.DesignKey is not long key) return null;
        var design = await designs.ByKeyAsync(key, cancellationToken);
        var snapshot = await banks.RequireAsync(session.Subject, cancellationToken);
        var compiled = ExamEngine.Compile(snapshot, design);
        if (compiled.Options.Stopping.ClassifyingRule is null) return null;
        var answered = await Pg(() => db.Attempts.AsNoTracking().Where(a => a.SessionId == session.Id).OrderBy(a => a.Seq)
            .Select(a => new { a.ItemId, a.Correct }).ToListAsync(cancellationToken));
        var test = ExamEngine.Create(snapshot, compiled);
        var state = test.Replay(answered.Select(a => snapshot.IndexOf(a.ItemId)).ToArray(), answered.Select(a => a.Correct ? 1 : 0).ToArray(), null,
            finished: session.Status != SessionStatus.Active);
        return ClassificationView(compiled, test.Classify(state));
    }

    /// <summary>The API view of a classification by a compiled design's classifying rule.</summary>
    internal static ExamClassification? ClassificationView(CompiledDesign compiled, Classification? classification) =>
        classification is null ? null : new ExamClassification(
            compiled.Options.Stopping.ClassifyingRule!.Name, classification.Level, compiled.LevelName(classification.Level), classification.Forced,
            classification.Cuts.Select(c => new CutDecisionView(c.CutScore, c.Decision.ToString().ToLowerInvariant(), c.Forced, c.LogLikelihoodRatio)).ToArray());

    private static Task<T> Pg<T>(Func<Task<T>> call) => DatabaseCalls.RunAsync(call);
}

/// <summary>
/// A session's design version and selection seed as stored in <c>exam_sessions.configuration</c>, for replay and audit
/// (exams from before designs stored their estimator and lengths there instead; their design_key points at the legacy
/// design the migration made of them).
/// </summary>
internal sealed record StoredConfiguration(string? DesignId, int? DesignVersion, int MaxItems, int? TimeLimitSeconds, int Seed);
