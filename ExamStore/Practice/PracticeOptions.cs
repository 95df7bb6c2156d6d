namespace ExamStore.Practice;

/// <summary>Defaults and limits of practice sessions (configuration section <c>Practice</c>).</summary>
public sealed class PracticeOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Practice";

    /// <summary>Questions in a session when the request names no size.</summary>
    public int DefaultSize { get; set; } = 10;

    /// <summary>The largest size a request may ask for.</summary>
    public int MaxSize { get; set; } = 100;

    /// <summary>Shares of the sections when the request names no mix.</summary>
    public PracticeMix DefaultMix { get; set; } = new(40, 30, 30);

    /// <summary>
    /// Days an answered item is kept out of new sessions while the topic has others, and how far back "current" topics
    /// come from (default 7).
    /// </summary>
    public int RecentDays { get; set; } = 7;

    /// <summary>Most topics a section draws from.</summary>
    public int TopicsPerSection { get; set; } = 3;

    /// <summary>Recent accuracy below which a topic counts as weak whatever its θ.</summary>
    public double WeakAccuracy { get; set; } = 0.6;

    /// <summary>How many of a topic's most informative items each question is drawn from (seeded), so sessions vary.</summary>
    public int Candidates { get; set; } = 3;
}
