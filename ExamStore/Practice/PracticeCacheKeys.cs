using System.Text;

namespace ExamStore.Practice;

/// <summary>
/// The practice caches' Redis keys. A student id or subject is the hash tag (<c>{…}</c>) of its scope's keys; the
/// characters that would end the tag or blur a key's parts (<c>{ } : %</c>) are percent-escaped, so
/// <c>weak:concepts:{ada}:math</c> is student ada's, and no two students' or subjects' keys can meet.
/// </summary>
public static class PracticeCacheKeys
{
    /// <summary>The key of an entry of <paramref name="layer"/>; <paramref name="suffix"/> names it within its scope (a subject, a topic, a session) or is null.</summary>
    public static string Entry(CacheLayer layer, string scopeId, string? suffix = null) =>
        suffix is null ? $"{layer.Prefix}{Tag(scopeId)}" : $"{layer.Prefix}{Tag(scopeId)}:{Escape(suffix)}";

    /// <summary>The set listing every entry key of a scope (what clear deletes, without scanning).</summary>
    public static string Index(CacheScope scope, string scopeId) => $"{ScopeName(scope)}:keys:{Tag(scopeId)}";

    /// <summary>
    /// The scope's epoch, made by reads and moved by every drop and clear: a value read from Postgres is written back
    /// only if the epoch is still the one read before it, so an entry dropped meanwhile never comes back stale.
    /// </summary>
    public static string Epoch(CacheScope scope, string scopeId) => $"{ScopeName(scope)}:epoch:{Tag(scopeId)}";

    private static string ScopeName(CacheScope scope) => scope == CacheScope.Student ? "user" : "subject";

    private static string Tag(string id) => $"{{{Escape(id)}}}";

    private static string Escape(string part)
    {
        if (part.AsSpan().IndexOfAny("{}:%") < 0) return part;
        var escaped = new StringBuilder(part.Length + 8);
        foreach (var c in part)
        {
            escaped.Append(c switch
            {
                '{' => "%7B",
                '}' => "%7D",
                ':' => "%3A",
                '%' => "%25",
                _ => c.ToString(),
            });
        }
        return escaped.ToString();
    }
}
