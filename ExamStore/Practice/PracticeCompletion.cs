using System.Text.Json;
using Engine.Estimation;
using ExamStore.Bank;
using ExamStore.Sessions;

namespace ExamStore.Practice;

/// <summary>
/// Completes a practice session: per section the questions, answers and accuracy, and per topic the student's θ
/// before the session and after its answers (EAP with the θ before as the prior's mean and its SE, or 1, as the
/// prior's SD). Stored with the session, so a repeated completion returns the same summary.
/// </summary>
public sealed class PracticeCompletion(ItemBankCache banks, PracticeLayers layers, PracticeSessionStore store, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Completes the session (or returns the summary of one already completed).</summary>
    public async Task<PracticeSummary> CompleteAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        var summary = await DatabaseCalls.RunAsync(() => store.CompleteAsync(sessionId, async (row, answers, now) =>
        {
            var plan = await layers.PlanAsync(row, cancellationToken);
            var snapshot = await banks.GetAsync(row.Subject, cancellationToken)
                ?? throw new ExamException(ExamErrorKind.Conflict, "Item bank missing", $"The item bank of subject '{row.Subject}' no longer exists.");
            return JsonSerializer.Serialize(Summarize(plan, answers, snapshot, now), Json);
        }, PracticeSessionStore.Now(clock), cancellationToken))
            ?? throw new ExamException(ExamErrorKind.NotFound, "Session not found", "No such practice session.", "sessionId");
        return JsonSerializer.Deserialize<PracticeSummary>(summary, Json)!;
    }

    private static PracticeSummary Summarize(PracticePlan plan, IReadOnlyList<PracticeAnswerView> answers, BankSnapshot snapshot, DateTime now)
    {
        var byItem = answers.ToDictionary(a => a.ItemId);
        var after = plan.Sections.SelectMany(s => s.Topics).DistinctBy(t => t.Topic).ToDictionary(t => t.Topic, t => After(t, plan, byItem, snapshot));
        var sections = plan.Sections.Select(section =>
        {
            var answered = section.Questions.Where(q => byItem.ContainsKey(q.ItemId)).ToArray();
            var correct = answered.Count(q => byItem[q.ItemId].Correct);
            var topics = section.Topics.Where(t => section.Questions.Any(q => q.Topic == t.Topic)).Select(t => new TopicChange(
                t.Topic,
                answered.Count(q => q.Topic == t.Topic),
                answered.Count(q => q.Topic == t.Topic && byItem[q.ItemId].Correct),
                t.Theta, t.Se, after[t.Topic].Theta, after[t.Topic].Se)).ToArray();
            return new SectionSummary(section.Name, section.Questions.Count, answered.Length, correct, Accuracy(correct, answered.Length), topics);
        }).ToArray();
        var total = sections.Sum(s => s.Answered);
        var right = sections.Sum(s => s.Correct);
        return new PracticeSummary(plan.SessionId, plan.StudentId, plan.Subject, PracticeStatus.Completed, now, plan.Size, total, right, Accuracy(right, total), sections);
    }

    // The topic's estimate updated with every answer of the session in that topic (whatever its section).
    private static (double Theta, double? Se) After(PracticeTopic topic, PracticePlan plan, Dictionary<long, PracticeAnswerView> byItem, BankSnapshot snapshot)
    {
        var answered = plan.Questions.Select(q => q.Question).Where(q => q.Topic == topic.Topic && byItem.ContainsKey(q.ItemId)).ToArray();
        if (answered.Length == 0) return (topic.Theta, topic.Se);
        var estimator = new ExpectedAPosterioriEstimator(prior: new NormalPrior(topic.Theta, topic.Se is { } se && se > 0 ? se : 1));
        var estimate = estimator.Estimate(snapshot.Bank,
            answered.Select(q => snapshot.IndexOf(q.ItemId)).ToArray(),
            answered.Select(q => byItem[q.ItemId].Correct ? 1 : 0).ToArray());
        return (estimate.Theta, double.IsFinite(estimate.StandardError) ? estimate.StandardError : null);
    }

    private static double? Accuracy(int correct, int answered) => answered == 0 ? null : (double)correct / answered;
}
