namespace ExamStore.Practice;

/// <summary>Relative shares of the three sections (non-negative, summing to more than zero).</summary>
public sealed record PracticeMix(double Weak, double Current, double Revision);

/// <summary>What a student asks for; null fields take the defaults (<see cref="PracticeOptions"/>).</summary>
public sealed record PracticeRequest(string StudentId, string Subject, int? Size, PracticeMix? Mix, long? Seed);

/// <summary>The names of the sections, in session order.</summary>
public static class PracticeSections
{
    /// <summary>Topics where the student is weakest.</summary>
    public const string Weak = "weak";

    /// <summary>Topics of the student's recent attempts.</summary>
    public const string Current = "current";

    /// <summary>Topics practised or examined before, due for review (spaced repetition).</summary>
    public const string Revision = "revision";

    /// <summary>All three, in session order.</summary>
    public static IReadOnlyList<string> All { get; } = [Weak, Current, Revision];
}

/// <summary>A question as the student sees it: never the answer key.</summary>
/// <param name="Position">1-based position in the session.</param>
/// <param name="ItemId">The item.</param>
/// <param name="Topic">Its topic.</param>
/// <param name="Content">The stem.</param>
/// <param name="Options">The options; a response is an index into them.</param>
public sealed record PracticeQuestion(int Position, long ItemId, string Topic, string Content, IReadOnlyList<string> Options);

/// <summary>A topic a section draws from, with the student's estimate the items were chosen at.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Theta">The student's θ in it (the topic's, else the subject's, else 0).</param>
/// <param name="Se">Its standard error, when known.</param>
/// <param name="Reason">Why the topic is in the section (see <see cref="TopicReasons"/>).</param>
public sealed record PracticeTopic(string Topic, double Theta, double? Se, string Reason);

/// <summary>One labelled section: its topics and its questions in order.</summary>
public sealed record PracticeSection(string Name, IReadOnlyList<PracticeTopic> Topics, IReadOnlyList<PracticeQuestion> Questions);

/// <summary>
/// A generated session without its progress: what the practice session cache holds (<c>practice:session</c>), and
/// what never changes once generated.
/// </summary>
/// <param name="SessionId">The session.</param>
/// <param name="StudentId">The student.</param>
/// <param name="Subject">The subject.</param>
/// <param name="Seed">The seed the choices were drawn with (the same seed on the same data gives the same session).</param>
/// <param name="Size">Questions asked for.</param>
/// <param name="Mix">Section shares asked for.</param>
/// <param name="CreatedAt">When it was generated.</param>
/// <param name="Sections">The three sections, in order (a section may be empty).</param>
/// <param name="Notes">How the session departs from the request (a section without topics, a share moved), in words.</param>
public sealed record PracticePlan(
    Guid SessionId, string StudentId, string Subject, long Seed, int Size, PracticeMix Mix, DateTime CreatedAt,
    IReadOnlyList<PracticeSection> Sections, IReadOnlyList<string> Notes)
{
    /// <summary>Every question of every section, in position order.</summary>
    public IEnumerable<(PracticeSection Section, PracticeQuestion Question)> Questions =>
        Sections.SelectMany(section => section.Questions.Select(question => (section, question)));
}

/// <summary>Why a topic is in a section.</summary>
public static class TopicReasons
{
    /// <summary>Its θ is below the student's overall θ in the subject.</summary>
    public const string LowTheta = "low-theta";

    /// <summary>Its recent accuracy is low.</summary>
    public const string LowAccuracy = "low-accuracy";

    /// <summary>The student has no record in it yet (a new student gets the subject's topics spread).</summary>
    public const string NoHistory = "no-history";

    /// <summary>No topic is weak: the relatively weakest one.</summary>
    public const string Weakest = "weakest";

    /// <summary>Answered in the last days.</summary>
    public const string Recent = "recent";

    /// <summary>Its next review is due.</summary>
    public const string Due = "due";

    /// <summary>Seen before and not for the longest time.</summary>
    public const string LongestUnseen = "longest-unseen";
}

/// <summary>An answer as recorded (the same for a repeated answer).</summary>
public sealed record PracticeAnswerResult(Guid SessionId, long ItemId, int Position, string Section, int Response, bool Correct, DateTime AnsweredAt, int Answered, int Remaining);

/// <summary>A recorded answer as the session view shows it.</summary>
public sealed record PracticeAnswerView(long ItemId, int Response, bool Correct, DateTime AnsweredAt);

/// <summary>A session with its progress (what <c>GET /api/practice/sessions/{id}</c> returns).</summary>
public sealed record PracticeSessionView(
    Guid SessionId, string StudentId, string Subject, string Status, long Seed, int Size, PracticeMix Mix, DateTime CreatedAt, DateTime? CompletedAt,
    IReadOnlyList<PracticeSection> Sections, IReadOnlyList<string> Notes, IReadOnlyList<PracticeAnswerView> Answers);

/// <summary>A generated session and its bearer token.</summary>
public sealed record PracticeSessionCreated(
    Guid SessionId, string Token, string StudentId, string Subject, long Seed, int Size, PracticeMix Mix, DateTime CreatedAt,
    IReadOnlyList<PracticeSection> Sections, IReadOnlyList<string> Notes);

/// <summary>A topic's estimate before the session and after its answers in that topic.</summary>
public sealed record TopicChange(string Topic, int Answered, int Correct, double ThetaBefore, double? SeBefore, double ThetaAfter, double? SeAfter);

/// <summary>One section's results.</summary>
public sealed record SectionSummary(string Name, int Questions, int Answered, int Correct, double? Accuracy, IReadOnlyList<TopicChange> Topics);

/// <summary>A completed session's results per section.</summary>
public sealed record PracticeSummary(Guid SessionId, string StudentId, string Subject, string Status, DateTime CompletedAt, int Questions, int Answered, int Correct, double? Accuracy, IReadOnlyList<SectionSummary> Sections);
