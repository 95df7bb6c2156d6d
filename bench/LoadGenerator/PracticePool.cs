namespace LoadGenerator;

/// <summary>
/// The run's students who completed an exam: those a practice session can be generated for (the platform knows a
/// student from their first exam), each with the ability they answered the exam with.
/// </summary>
internal sealed class PracticePool
{
    private readonly List<(string StudentId, TrueAbility Ability)> students = [];
    private readonly Lock gate = new();

    /// <summary>A student who completed an exam.</summary>
    public void Add(string studentId, TrueAbility ability)
    {
        lock (gate) students.Add((studentId, ability));
    }

    /// <summary>One of the students at random, or null while there is none.</summary>
    public (string StudentId, TrueAbility Ability)? Pick(Random random)
    {
        lock (gate) return students.Count == 0 ? null : students[random.Next(students.Count)];
    }
}
