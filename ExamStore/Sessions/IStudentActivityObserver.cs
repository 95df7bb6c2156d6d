namespace ExamStore.Sessions;

/// <summary>
/// Hears when a student's exam starts and ends, so that what is derived from the student's record (the practice
/// caches) is dropped then and not cached while the exam's answers change the record. The answers in between are not
/// reported: that keeps the exam's answer path free of any extra work and the student id out of the session's hot
/// state. Called after the commit; must not block or throw.
/// </summary>
public interface IStudentActivityObserver
{
    /// <summary>An exam of the student in <paramref name="subject"/> started.</summary>
    void ExamStarted(string studentId, string subject);

    /// <summary>An exam of the student in <paramref name="subject"/> ended (completed or abandoned).</summary>
    void ExamEnded(string studentId, string subject);
}
