namespace ExamStore.Sessions;

/// <summary>
/// Hears that a student's record in a subject moved (an exam or practice answer committed, an exam completed), so
/// what was derived from it (the practice caches) can be dropped. Called after the commit; must not block or throw.
/// </summary>
public interface IStudentActivityObserver
{
    /// <summary>The student's answers or results in <paramref name="subject"/> changed.</summary>
    void StudentActivity(string studentId, string subject);
}
