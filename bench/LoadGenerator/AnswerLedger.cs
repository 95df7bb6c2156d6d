using System.Collections.Concurrent;

namespace LoadGenerator;

/// <summary>An answer the server acknowledged with 200: it must be in Postgres exactly once, and θ/SE must replay.</summary>
/// <param name="SessionId">Session.</param>
/// <param name="Seq">The answered count the server returned: the attempt's position.</param>
/// <param name="ItemId">Item answered.</param>
/// <param name="Response">Option sent.</param>
/// <param name="Theta">θ the server returned.</param>
/// <param name="Se">SE the server returned (null while infinite).</param>
public sealed record AcknowledgedAnswer(Guid SessionId, int Seq, long ItemId, int Response, double Theta, double? Se);

/// <summary>Every session a run started and every answer the server acknowledged, for the verification pass.</summary>
public sealed class AnswerLedger
{
    private readonly ConcurrentDictionary<Guid, List<AcknowledgedAnswer>> sessions = new();
    private int answerCount;

    /// <summary>Sessions started.</summary>
    public ICollection<Guid> Sessions => sessions.Keys;

    /// <summary>Acknowledged answers over all sessions.</summary>
    public int AnswerCount => Volatile.Read(ref answerCount);

    /// <summary>Records a session the server created (201).</summary>
    public void SessionStarted(Guid sessionId) => sessions.TryAdd(sessionId, []);

    /// <summary>Records an acknowledged answer; the same position acknowledged twice (a resent answer) counts once.</summary>
    public void Acknowledge(AcknowledgedAnswer answer)
    {
        var answers = sessions.GetOrAdd(answer.SessionId, _ => []);
        lock (answers)
        {
            if (answers.Exists(a => a.Seq == answer.Seq)) return;
            answers.Add(answer);
        }
        Interlocked.Increment(ref answerCount);
    }

    /// <summary>A session's acknowledged answers, in acknowledgement order.</summary>
    public IReadOnlyList<AcknowledgedAnswer> AnswersOf(Guid sessionId)
    {
        if (!sessions.TryGetValue(sessionId, out var answers)) return [];
        lock (answers) return [.. answers];
    }
}
