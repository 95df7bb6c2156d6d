using ExamStore.Sessions;

namespace ExamStore.Practice;

/// <summary>
/// Drops a student's derived practice entries when an exam answer commits or an exam completes. Not awaited: the
/// exam's answer path only hands the drop to the Redis connection, whose failures are logged by the cache.
/// </summary>
public sealed class PracticeCacheInvalidation(PracticeCache cache) : IStudentActivityObserver
{
    /// <inheritdoc />
    public void StudentActivity(string studentId, string subject) => _ = cache.DropStudentActivityAsync(studentId, subject);
}
