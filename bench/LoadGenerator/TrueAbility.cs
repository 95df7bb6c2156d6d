namespace LoadGenerator;

/// <summary>
/// A simulated student's true ability: θ overall, shifted per topic (no shifts: the same θ in every topic). An item is
/// answered correctly with its model's probability at the topic's θ, otherwise with a wrong option at random.
/// </summary>
internal sealed record TrueAbility(double Theta, IReadOnlyDictionary<string, double> TopicShifts)
{
    /// <summary>The same θ in every topic.</summary>
    public static TrueAbility Uniform(double theta) => new(theta, new Dictionary<string, double>());

    /// <summary>θ in a topic.</summary>
    public double In(string topic) => Theta + TopicShifts.GetValueOrDefault(topic);

    /// <summary>The option the student picks for <paramref name="item"/>.</summary>
    public int Respond(BankItem item, Random random)
    {
        if (random.NextDouble() < item.Model.Probability(In(item.Topic))) return item.AnswerKey;
        return (item.AnswerKey + 1 + random.Next(item.OptionCount - 1)) % item.OptionCount;
    }
}
