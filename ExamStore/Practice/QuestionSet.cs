using Npgsql;

namespace ExamStore.Practice;

/// <summary>A question's content: what a student sees, never the answer key.</summary>
public sealed record QuestionContent(long ItemId, string Content, IReadOnlyList<string> Options);

/// <summary>
/// A topic's active questions (stem and options, never the answer key), ordered by id: the value of the
/// <c>questions:subject</c> layer.
/// </summary>
public sealed record QuestionSet(IReadOnlyList<QuestionContent> Questions)
{
    private const byte Format = 1;

    /// <summary>The content of an item, or null when the set does not hold it (stale, or another topic).</summary>
    public QuestionContent? Find(long itemId) => Questions.FirstOrDefault(q => q.ItemId == itemId);

    /// <summary>Reads a topic's active questions from Postgres.</summary>
    public static async Task<QuestionSet> ReadAsync(NpgsqlDataSource dataSource, string subject, string topic, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id, content, options FROM items WHERE subject = $1 AND topic = $2 AND status = 'active' ORDER BY id");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subject });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = topic });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var questions = new List<QuestionContent>();
        while (await reader.ReadAsync(cancellationToken)) questions.Add(new QuestionContent(reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<string[]>(2)));
        return new QuestionSet(questions);
    }

    /// <summary>Compact binary form: per question its id, stem and options, nothing else.</summary>
    public byte[] ToBytes()
    {
        var writer = new CompactWriter(Format);
        writer.List(Questions, static (w, question) =>
        {
            w.Integer(question.ItemId);
            w.Text(question.Content);
            w.List(question.Options, static (o, option) => o.Text(option));
        });
        return writer.ToArray();
    }

    /// <summary>Reads <see cref="ToBytes"/>'s form.</summary>
    public static QuestionSet FromBytes(byte[] value)
    {
        var reader = new CompactReader(value, Format);
        var questions = reader.List(static (ref CompactReader r) => new QuestionContent(r.Integer(), r.Text(), r.Texts()));
        reader.End();
        return new QuestionSet(questions);
    }
}
