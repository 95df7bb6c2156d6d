using System.Collections.Concurrent;

namespace LoadGenerator;

/// <summary>A practice answer the server acknowledged with 200: it must be in <c>practice_answers</c> once.</summary>
/// <param name="SessionId">Practice session.</param>
/// <param name="ItemId">The question's item.</param>
/// <param name="Response">Option sent.</param>
public sealed record AcknowledgedPracticeAnswer(Guid SessionId, long ItemId, int Response);

/// <summary>Every practice session a run generated, the answers the server acknowledged and the sessions it completed, for the verification pass.</summary>
public sealed class PracticeLedger
{
    private readonly ConcurrentDictionary<Guid, List<AcknowledgedPracticeAnswer>> sessions = new();
    private readonly ConcurrentDictionary<Guid, byte> completed = new();

    /// <summary>Sessions generated.</summary>
    public ICollection<Guid> Sessions => sessions.Keys;

    /// <summary>Records a session the server generated (201).</summary>
    public void SessionStarted(Guid sessionId) => sessions.TryAdd(sessionId, []);

    /// <summary>Records an acknowledged answer; the same question acknowledged twice (a resent answer) counts once.</summary>
    public void Acknowledge(AcknowledgedPracticeAnswer answer)
    {
        var answers = sessions.GetOrAdd(answer.SessionId, _ => []);
        lock (answers)
        {
            if (!answers.Exists(a => a.ItemId == answer.ItemId)) answers.Add(answer);
        }
    }

    /// <summary>Records a session the server completed (200 from complete).</summary>
    public void SessionCompleted(Guid sessionId) => completed.TryAdd(sessionId, 0);

    /// <summary>Whether the server completed the session.</summary>
    public bool IsCompleted(Guid sessionId) => completed.ContainsKey(sessionId);

    /// <summary>A session's acknowledged answers.</summary>
    public IReadOnlyList<AcknowledgedPracticeAnswer> AnswersOf(Guid sessionId)
    {
        if (!sessions.TryGetValue(sessionId, out var answers)) return [];
        lock (answers) return [.. answers];
    }
}
