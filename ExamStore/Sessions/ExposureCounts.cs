using System.Diagnostics.Metrics;

namespace ExamStore.Sessions;

/// <summary>
/// How an ending exam adds to the item exposure counts (<c>item_exposure</c>, <c>subject_exposure</c>): one
/// administration for every item the exam administered (its attempts, plus an item served and left unanswered) and one
/// exam for its subject. Folded into the transaction that moves the session out of 'active', so an exam counts once
/// however often or however concurrently it is ended.
/// </summary>
public static class ExposureCounts
{
    /// <summary>Name of the meter with the administrations counter.</summary>
    public const string MeterName = "ExamStore.Exposure";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Administrations = Meter.CreateCounter<long>(
        "exam.exposure.administrations", "{administration}", "Item administrations added to the exposure counts by ending exams");

    /// <summary>
    /// Three CTEs (<c>exposure_administered</c>, <c>exposure_items</c>, <c>exposure_subject</c>) that count the exam.
    /// <paramref name="session"/> is a FROM item aliased <c>f</c> with the session's <c>id</c> and <c>subject</c>, yielding
    /// one row when the exam ends here and none otherwise; <paramref name="unrecordedItems"/> is a bigint[] expression
    /// of the items it administered that its attempts (as this statement sees them) do not hold.
    /// </summary>
    /// <remarks>
    /// Item rows are upserted in id order, so two exams ending together lock their shared items in the same order and
    /// cannot deadlock; the subject row comes after them (its count reads the item upsert), the same in every path.
    /// </remarks>
    internal static string RecordSql(string session, string unrecordedItems) => $"""
        exposure_administered AS (
            SELECT f.subject, a.item_id FROM {session} JOIN attempts a ON a.session_id = f.id
            UNION
            SELECT f.subject, u.item_id FROM {session} CROSS JOIN unnest({unrecordedItems}) AS u (item_id)
        ), exposure_items AS (
            INSERT INTO item_exposure AS e (item_id, subject, administrations)
            SELECT item_id, subject, 1 FROM exposure_administered ORDER BY item_id
            ON CONFLICT (item_id) DO UPDATE SET administrations = e.administrations + 1
            RETURNING e.item_id
        ), exposure_subject AS (
            INSERT INTO subject_exposure AS x (subject, exams, items_administered)
            SELECT f.subject, 1, (SELECT count(*) FROM exposure_items) FROM {session}
            ON CONFLICT (subject) DO UPDATE SET exams = x.exams + 1, items_administered = x.items_administered + EXCLUDED.items_administered
        )
        """;

    /// <summary>Counts the administrations an ended exam added (after its transaction committed).</summary>
    internal static void Recorded(string subject, int administrations) =>
        Administrations.Add(administrations, new KeyValuePair<string, object?>("subject", subject));
}
