using ExamStore.Sessions;

namespace ExamStore.Practice;

/// <summary>
/// Keeps a student's derived practice entries in step with their exams: dropped when an exam starts (nothing derived
/// from the record is cached again while it runs, see <see cref="StudentPerformance.ExamRunning"/>) and when it ends.
/// Not awaited: the exam flow only hands the drop to the Redis connection, whose failures the cache logs.
/// </summary>
public sealed class PracticeCacheInvalidation(PracticeCache cache) : IStudentActivityObserver
{
    /// <inheritdoc />
    public void ExamStarted(string studentId, string subject) => _ = cache.DropStudentActivityAsync(studentId, subject);

    /// <inheritdoc />
    public void ExamEnded(string studentId, string subject) => _ = cache.DropStudentActivityAsync(studentId, subject);
}
