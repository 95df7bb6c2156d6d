using Engine.Estimation;

namespace ExamStore.Sessions;

/// <summary>How a completed exam updates the student's long-term proficiency per subject (overall and per topic).</summary>
internal static class StudentProficiencies
{
    /// <summary>
    /// What the exam contributes: its own θ/SE under the topic "" (overall) and each topic's estimate
    /// (<see cref="ExamEngine.TopicEstimates"/>). Infinite standard errors are null, as stored.
    /// </summary>
    public static (string[] Topics, double[] Thetas, double?[] StandardErrors) Estimates(
        IReadOnlyDictionary<string, AbilityEstimate> topicEstimates, double theta, double? se) =>
        ([string.Empty, .. topicEstimates.Keys],
         [theta, .. topicEstimates.Values.Select(e => e.Theta)],
         [se, .. topicEstimates.Values.Select(e => double.IsFinite(e.StandardError) ? e.StandardError : (double?)null)]);

    /// <summary>
    /// One statement that folds the estimates into <c>student_proficiencies</c>. <paramref name="student"/> is a FROM item
    /// aliased <c>f</c> with the columns <c>student_id</c> and <c>subject</c>; the other arguments are SQL placeholders of
    /// the topic (text[]), θ and SE (double precision[]) arrays and the time.
    /// </summary>
    /// <remarks>
    /// Precision-weighted with the earlier estimate, whose weight is halved: recent exams count more because ability
    /// changes, but one short exam does not wipe out a long history.
    /// </remarks>
    public static string UpsertSql(string student, string topics, string thetas, string standardErrors, string now) => $"""
        INSERT INTO student_proficiencies (student_id, subject, topic, theta, se, sessions, updated_at)
        SELECT f.student_id, f.subject, t.topic, t.theta, t.se, 1, {now}
        FROM {student} CROSS JOIN unnest({topics}::text[], {thetas}::double precision[], {standardErrors}::double precision[]) AS t (topic, theta, se)
        ON CONFLICT (student_id, subject, topic) DO UPDATE SET
            theta = CASE WHEN student_proficiencies.se IS NULL OR EXCLUDED.se IS NULL THEN EXCLUDED.theta
                ELSE (student_proficiencies.theta * 0.5 / (student_proficiencies.se ^ 2) + EXCLUDED.theta / (EXCLUDED.se ^ 2))
                   / (0.5 / (student_proficiencies.se ^ 2) + 1 / (EXCLUDED.se ^ 2)) END,
            se = CASE WHEN student_proficiencies.se IS NULL OR EXCLUDED.se IS NULL THEN EXCLUDED.se
                ELSE 1 / sqrt(0.5 / (student_proficiencies.se ^ 2) + 1 / (EXCLUDED.se ^ 2)) END,
            sessions = student_proficiencies.sessions + 1,
            updated_at = EXCLUDED.updated_at
        """;
}
