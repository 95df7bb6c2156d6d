using ExamStore.Bank;
using Npgsql;

namespace ExamStore.Practice;

/// <summary>
/// Every practice read through its cache layer: Redis first, else computed from Postgres (or from the in-memory bank,
/// which Postgres backs) and written back. The same values either way, so generation gives the same session with the
/// cache warm, cold, evicted or unreachable.
/// </summary>
public sealed class PracticeLayers(PracticeCache cache, StudentPerformanceReader performance, NpgsqlDataSource dataSource, PracticeSessionStore sessions, PracticeOptions options)
{
    /// <summary>The student's record in every subject, with answers since <paramref name="now"/> minus the recent window; null for an unknown student.</summary>
    public Task<StudentPerformance?> PerformanceAsync(string studentId, DateTime now, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync(CacheLayer.UserPerformance, studentId, null,
            () => performance.ReadAsync(studentId, now.AddDays(-options.RecentDays), cancellationToken),
            value => value.ToBytes(), StudentPerformance.FromBytes, record => !record.ExamRunning);

    /// <summary>How sessions of the snapshot's subject are generated.</summary>
    public async Task<SubjectConfiguration> ConfigurationAsync(BankSnapshot snapshot) =>
        (await cache.GetOrLoadAsync(CacheLayer.SessionConfig, snapshot.Subject, null,
            () => Task.FromResult<SubjectConfiguration?>(SubjectConfiguration.From(snapshot, options)),
            value => value.ToBytes(), SubjectConfiguration.FromBytes))!;

    /// <summary>
    /// The topics of one source for the student in a subject (<paramref name="layer"/>: weak, current or revision),
    /// computed on a miss by <paramref name="source"/> from the student's <paramref name="record"/>; null when the
    /// student is unknown. Not cached when the record was read while an exam ran.
    /// </summary>
    public Task<RankedTopics?> TopicsAsync(
        CacheLayer layer, string studentId, string subject, Task<StudentPerformance?> record, Func<SubjectPerformance, RankedTopics> source)
    {
        var examRunning = false;
        return cache.GetOrLoadAsync(layer, studentId, subject,
            async () =>
            {
                if (await record is not { } read) return null;
                examRunning = read.ExamRunning;
                return source(read.In(subject));
            },
            value => value.ToBytes(), RankedTopics.FromBytes, _ => !examRunning);
    }

    /// <summary>
    /// A topic's active questions. A cached set that lacks one of <paramref name="needed"/> (written before the item
    /// existed) is read again from Postgres.
    /// </summary>
    public async Task<QuestionSet> QuestionSetAsync(string subject, string topic, IReadOnlyCollection<long> needed, CancellationToken cancellationToken)
    {
        var set = (await cache.GetOrLoadAsync(CacheLayer.QuestionSets, subject, topic,
            async () => await QuestionSet.ReadAsync(dataSource, subject, topic, cancellationToken),
            value => value.ToBytes(), QuestionSet.FromBytes))!;
        return needed.All(id => set.Find(id) is not null) ? set : await QuestionSet.ReadAsync(dataSource, subject, topic, cancellationToken);
    }

    /// <summary>A generated session's plan.</summary>
    public async Task<PracticePlan> PlanAsync(PracticeSessionRow row, CancellationToken cancellationToken) =>
        (await cache.GetOrLoadAsync(CacheLayer.PracticeSessions, row.StudentId, row.SessionId.ToString(),
            async () => await sessions.LoadPlanAsync(row, cancellationToken),
            PracticePlanCodec.ToBytes, PracticePlanCodec.FromBytes))!;

    /// <summary>Caches a plan just generated.</summary>
    public Task PutPlanAsync(PracticePlan plan) =>
        cache.PutAsync(CacheLayer.PracticeSessions, plan.StudentId, plan.SessionId.ToString(), PracticePlanCodec.ToBytes(plan));
}
