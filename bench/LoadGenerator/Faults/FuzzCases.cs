using System.Globalization;
using System.Text;

namespace LoadGenerator.Faults;

/// <summary>One fuzzed request.</summary>
/// <param name="Endpoint">The endpoint it aims at, e.g. "POST /api/adaptive/answer".</param>
/// <param name="Method">HTTP method (sometimes one the route does not have).</param>
/// <param name="Path">Path and query.</param>
/// <param name="Body">Request body, or null.</param>
/// <param name="ContentType">Content-Type of the body, or null for none.</param>
/// <param name="Authorization">The Authorization header's value, or null.</param>
/// <param name="AdminKeys">X-Api-Key header values (none, one, or several).</param>
internal sealed record FuzzCase(string Endpoint, HttpMethod Method, string Path, byte[]? Body, string? ContentType, string? Authorization, string[] AdminKeys)
{
    /// <summary>A read: a 2xx is a fine answer to it. Every other fuzzed request must be refused.</summary>
    public bool ReadOnly => Method == HttpMethod.Get;

    /// <summary>
    /// The path holds an encoded NUL, which Kestrel refuses with a bare 400 before any middleware runs, closing the
    /// connection.
    /// </summary>
    public bool RefusedByKestrel => Path.Contains("%00", StringComparison.Ordinal);
}

/// <summary>What the fuzzer knows of the graph: real sessions, tokens and items to mix into wrong requests.</summary>
/// <param name="Subject">A subject with an item bank.</param>
/// <param name="ItemIds">Real item ids of that subject (never retired or changed: the admin key is never sent with a valid write).</param>
/// <param name="ActiveSession">An active session.</param>
/// <param name="ActiveToken">Its token.</param>
/// <param name="CurrentItem">The item it waits for, never sent as an answer with a valid response.</param>
/// <param name="CompletedSession">A completed session.</param>
/// <param name="CompletedToken">Its token.</param>
/// <param name="StudentId">The student of both sessions.</param>
/// <param name="StudentToken">That student's credential, only ever sent with a start that is otherwise invalid.</param>
/// <param name="AdminKey">The real admin key, only ever sent with a request that is otherwise invalid or read-only.</param>
internal sealed record FuzzTargets(
    string Subject, long[] ItemIds, Guid ActiveSession, string ActiveToken, long CurrentItem, Guid CompletedSession, string CompletedToken, string StudentId,
    string StudentToken, string AdminKey);

/// <summary>
/// Generates the fuzzed requests, one endpoint after another so every endpoint gets its share, each request from its own
/// seeded <see cref="Random"/> (the same seed gives the same requests). A request that could change state is always
/// invalid in at least one way that the API must refuse: a write never carries a valid credential together with a
/// valid body, so a 2xx to it means the API accepted something wrong.
/// </summary>
internal sealed class FuzzCases(FuzzTargets targets, int seed)
{
    // Nothing here parses as a JSON object or array.
    private static readonly string[] Malformed =
    [
        "", "{", "{\"sessionId\":", "null", "\"text\"", "123", "true", "{\"a\":1,}", "{'single':'quotes'}", "{\"x\":1}{\"y\":2}",
        new string('[', 5000) + new string(']', 5000), "\u00ff\u00fe{",
    ];

    // Also an empty array, and objects with none of the fields an endpoint requires (one over the 64 KB body limit).
    private static readonly string[] BadBodies = [.. Malformed, "[]", "{\"x\":1}", "{\"x\":\"" + new string('a', 70_000) + "\"}"];

    private static readonly string[] BadContentTypes = ["text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data"];

    private static readonly string[] BadInts = ["-1", "2147483648", "-2147483649", "1.5", "\"12\"", "true", "[]", "{}", "1e400", "NaN", "0x10"];

    private static readonly string[] BadStrings = ["123", "true", "[]", "{}", "\"\"", "\"   \"", "\"" + new string('s', 101) + "\"", "\"\\ud800\"", "1e400"];

    private (string Name, Func<Random, FuzzCase> Make)[]? makers;

    private string Item(Random random) => targets.ItemIds[random.Next(targets.ItemIds.Length)].ToString(CultureInfo.InvariantCulture);

    /// <summary>The endpoints fuzzed, by name.</summary>
    public IReadOnlyList<string> Endpoints => [.. Makers.Select(m => m.Name)];

    /// <summary>Request number <paramref name="index"/>.</summary>
    public FuzzCase Create(int index)
    {
        var random = new Random(unchecked(seed * 1_000_003 + index));
        return Makers[index % Makers.Length].Make(random);
    }

    // Built on first use; building it twice from two threads gives the same list.
    private (string Name, Func<Random, FuzzCase> Make)[] Makers => makers ??= All();

    private (string Name, Func<Random, FuzzCase> Make)[] All() =>
    [
        ("POST /api/adaptive/start", Start),
        ("POST /api/adaptive/answer", Answer),
        ("GET /api/adaptive/next", Next),
        ("POST /api/adaptive/complete", Complete),
        ("GET /api/adaptive/{sessionId}", r => SessionRead(r, "GET /api/adaptive/{sessionId}", "")),
        ("POST /api/adaptive/{sessionId}/extend", Extend),
        ("GET /api/adaptive/{sessionId}/history", r => SessionRead(r, "GET /api/adaptive/{sessionId}/history", "/history")),
        ("GET /api/students/{studentId}/proficiency", Proficiency),
        ("POST /api/students/{studentId}/tokens", IssueStudentToken),
        ("GET /api/adaptive/active", Active),
        ("GET /api/debug/redis/stats", r => Get("GET /api/debug/redis/stats", "/api/debug/redis/stats" + Pick(r, "", "?x=1", "?" + new string('q', 5000)), AnyAdminKeys(r))),
        ("POST /api/sessions/cleanup", Cleanup),
        ("POST /api/items", r => ItemWrite(r, "POST /api/items", HttpMethod.Post, "/api/items", ItemBody)),
        ("POST /api/items/import", r => ItemWrite(r, "POST /api/items/import", HttpMethod.Post, "/api/items/import", ImportBody)),
        ("GET /api/items", ListItems),
        ("GET /api/items/{id}", r => Get("GET /api/items/{id}", "/api/items/" + ItemPath(r, real: true), AnyAdminKeys(r))),
        ("PUT /api/items/{id}", r => ItemWrite(r, "PUT /api/items/{id}", HttpMethod.Put, "/api/items/" + ItemPath(r, real: true), ItemBody)),
        ("POST /api/items/{id}/retire", Retire),
        ("wrong method or route", WrongRoute),
    ];

    // A valid-looking start is always broken in one field the service refuses. Half of them carry the student's real
    // credential, so that the body, not the missing credential, is what gets refused.
    private FuzzCase Start(Random random)
    {
        var credential = random.Next(2) == 0;
        string? body;
        if (random.Next(4) == 0)
        {
            body = Pick(random, BadBodies);
        }
        else
        {
            var fields = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["studentId"] = credential ? Quote(targets.StudentId) : $"\"fuzz-{random.Next(1000)}\"",
                ["subject"] = Quote(targets.Subject),
            };
            if (random.Next(2) == 0) fields["maxItems"] = "5";
            var (field, value) = Pick(random,
                ("studentId", null), ("studentId", "123"), ("studentId", "\"\""), ("studentId", Quote(new string('x', 101))), ("studentId", "null"),
                ("subject", null), ("subject", Quote($"no-such-subject-{random.Next(1_000_000)}")), ("subject", "42"), ("subject", "\"\""),
                ("maxItems", "0"), ("maxItems", "-5"), ("maxItems", "100000"), ("maxItems", "2147483648"), ("maxItems", "\"ten\""), ("maxItems", "1.5"),
                ("minItems", "-1"), ("minItems", "999"), ("seTarget", "0.01"), ("seTarget", "3"), ("seTarget", "\"low\""), ("seTarget", "1e400"),
                ("estimator", "\"bogus\""), ("estimator", "7"), ("timeLimitSeconds", "5"), ("timeLimitSeconds", "100000"), ("timeLimitSeconds", "\"x\""));
            fields[field] = value;
            body = Object(fields);
        }
        return Post("POST /api/adaptive/start", "/api/adaptive/start", body, random, credential ? "Bearer " + targets.StudentToken : AnyBearer(random), AnyAdminKeys(random));
    }

    // With the admin key only a student id or a body the endpoint refuses (no body, or one without lifetimeSeconds,
    // would issue a token); a well-formed request only without it.
    private FuzzCase IssueStudentToken(Random random)
    {
        var admin = random.Next(2) == 0;
        var badStudent = admin && random.Next(3) == 0;
        var student = badStudent ? Pick(random, new string('p', 101), "%20", "%20%20") : Pick(random, targets.StudentId, "fuzz-" + random.Next(1000), "%E2%82%AC");
        var body = admin && !badStudent
            ? Pick(random, [.. Malformed.Where(m => m.Length > 0), Object(new() { ["lifetimeSeconds"] = Pick(random, [.. BadInts, "0", "604801"]) })])
            : Pick(random, "", "{}", "{\"lifetimeSeconds\":60}");
        return Post("POST /api/students/{studentId}/tokens", $"/api/students/{student}/tokens", body.Length == 0 ? null : body, random, AnyBearer(random),
            admin ? [targets.AdminKey] : WrongAdminKeys(random));
    }

    private FuzzCase Answer(Random random)
    {
        var session = Quote(targets.ActiveSession.ToString());
        var item = targets.CurrentItem.ToString(CultureInfo.InvariantCulture);
        string body;
        string? bearer;
        switch (random.Next(4))
        {
            case 0:
                // A well-formed answer to the waiting item, without the session's token.
                body = Object(new() { ["sessionId"] = session, ["itemId"] = item, ["response"] = "0" });
                bearer = WrongBearer(random);
                break;
            case 1:
                // The session's token with a wrong item, a wrong response or a wrong session.
                var fields = new Dictionary<string, string?>(StringComparer.Ordinal) { ["sessionId"] = session, ["itemId"] = item, ["response"] = "0" };
                var (field, value) = Pick(random,
                    ("itemId", OtherItem(random)), ("itemId", Pick(random, BadInts)), ("itemId", "0"), ("itemId", "9223372036854775807"), ("itemId", null),
                    ("response", Pick(random, BadInts)), ("response", "99"), ("response", "2147483647"), ("response", null),
                    ("sessionId", Pick(random, BadStrings)), ("sessionId", Quote(RandomGuid(random).ToString())), ("sessionId", null));
                fields[field] = value;
                body = Object(fields);
                bearer = "Bearer " + targets.ActiveToken;
                break;
            case 2:
                // Anything to the completed session, with its token.
                body = Object(new() { ["sessionId"] = Quote(targets.CompletedSession.ToString()), ["itemId"] = Item(random), ["response"] = Pick(random, "0", "1", "-1", "99") });
                bearer = "Bearer " + targets.CompletedToken;
                break;
            default:
                body = Pick(random, BadBodies);
                bearer = AnyBearer(random);
                break;
        }
        return Post("POST /api/adaptive/answer", "/api/adaptive/answer", body, random, bearer, AnyAdminKeys(random));
    }

    private FuzzCase Next(Random random)
    {
        var query = Pick(random, "", "?sessionId=", $"?sessionId={targets.ActiveSession}", $"?sessionId={RandomGuid(random)}", "?sessionId=%ZZ",
            $"?sessionId={targets.ActiveSession}&sessionId={targets.CompletedSession}", "?sessionId=" + new string('9', 3000), $"?sessionid={targets.CompletedSession}");
        return Get("GET /api/adaptive/next", "/api/adaptive/next" + query, AnyAdminKeys(random), AnyBearer(random));
    }

    // Never the session's token with a well-formed body naming its session: that would complete it.
    private FuzzCase Complete(Random random)
    {
        string body;
        string? bearer;
        switch (random.Next(3))
        {
            case 0:
                body = Object(new() { ["sessionId"] = Quote(Pick(random, targets.ActiveSession, targets.CompletedSession).ToString()) });
                bearer = WrongBearer(random);
                break;
            case 1:
                body = Object(new() { ["sessionId"] = Pick(random, [.. BadStrings, Quote(RandomGuid(random).ToString()), "null"]) });
                bearer = "Bearer " + Pick(random, targets.ActiveToken, targets.CompletedToken);
                break;
            default:
                body = Pick(random, BadBodies);
                bearer = AnyBearer(random);
                break;
        }
        return Post("POST /api/adaptive/complete", "/api/adaptive/complete", body, random, bearer, AnyAdminKeys(random));
    }

    private FuzzCase SessionRead(Random random, string endpoint, string suffix) =>
        Get(endpoint, "/api/adaptive/" + SessionPath(random) + suffix, AnyAdminKeys(random), AnyBearer(random));

    // With the session's token only seconds out of range or of the wrong type.
    private FuzzCase Extend(Random random)
    {
        var withToken = random.Next(2) == 0;
        var seconds = withToken ? Pick(random, "59", "0", "-1", "86401", "2147483648", "\"600\"", "1.5", "null", "1e400") : Pick(random, "600", "-1", "\"x\"");
        var body = random.Next(4) == 0 ? Pick(random, BadBodies) : Object(new() { ["seconds"] = seconds });
        var path = withToken ? targets.ActiveSession.ToString() : SessionPath(random);
        return Post("POST /api/adaptive/{sessionId}/extend", $"/api/adaptive/{path}/extend", body, random,
            withToken ? "Bearer " + targets.ActiveToken : WrongBearer(random), AnyAdminKeys(random));
    }

    private FuzzCase Proficiency(Random random)
    {
        var student = Pick(random, targets.StudentId, "unknown-" + random.Next(1_000_000), new string('p', 101), "%20", "%00", "%E2%82%AC%F0%9F%98%80", "..%2F..%2Fetc", new string('z', 4000));
        return Get("GET /api/students/{studentId}/proficiency", $"/api/students/{student}/proficiency", AnyAdminKeys(random), AnyBearer(random));
    }

    private FuzzCase Active(Random random)
    {
        var query = Pick(random, "", "?offset=-1", "?offset=abc", "?limit=0", "?limit=100000", "?limit=1.5", "?offset=2147483648", "?limit=%FF", "?offset=1&offset=2", "?limit=" + new string('1', 500));
        return Get("GET /api/adaptive/active", "/api/adaptive/active" + query, AnyAdminKeys(random));
    }

    // With the admin key only a body the sweep refuses (an object without the field would sweep with the default); a
    // well-formed sweep only without it.
    private FuzzCase Cleanup(Random random)
    {
        var admin = random.Next(2) == 0;
        var body = admin
            ? Pick(random, [.. Malformed, Object(new() { ["inactivityMinutes"] = Pick(random, "\"x\"", "1e400", "[]", "true", "-1", "1e9") })])
            : Object(new() { ["inactivityMinutes"] = Pick(random, "100000", "-1", "\"x\"") });
        return Post("POST /api/sessions/cleanup", "/api/sessions/cleanup", body, random, AnyBearer(random), admin ? [targets.AdminKey] : WrongAdminKeys(random));
    }

    private FuzzCase ItemWrite(Random random, string endpoint, HttpMethod method, string path, Func<Random, bool, string> body)
    {
        var admin = random.Next(2) == 0;
        return Send(endpoint, method, path, body(random, admin), random, AnyBearer(random), admin ? [targets.AdminKey] : WrongAdminKeys(random));
    }

    private string ItemBody(Random random, bool admin) =>
        random.Next(5) == 0 ? Pick(random, BadBodies) : Object(ItemFields(random, broken: admin || random.Next(2) == 0));

    // An import with the admin key holds at least one broken element; the whole import must be refused.
    private string ImportBody(Random random, bool admin)
    {
        if (random.Next(5) == 0) return Pick(random, [.. BadBodies, Object(ItemFields(random, broken: false))]);
        var count = random.Next(1, 5);
        var broken = admin || random.Next(2) == 0 ? random.Next(count) : -1;
        var elements = Enumerable.Range(0, count).Select(n => n == broken && random.Next(4) == 0
            ? Pick(random, "null", "1", "\"x\"", "[]")
            : Object(ItemFields(random, broken: n == broken)));
        return "[" + string.Join(",", elements) + "]";
    }

    private Dictionary<string, string?> ItemFields(Random random, bool broken)
    {
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["subject"] = Quote("fuzz-subject"),
            ["topic"] = Quote("fuzz"),
            ["content"] = Quote("Fuzzed item?"),
            ["options"] = "[\"a\",\"b\",\"c\",\"d\"]",
            ["answerKey"] = "1",
            ["a"] = "1.2",
            ["b"] = "0.3",
            ["c"] = "0.2",
            ["d"] = "1",
        };
        if (!broken) return fields;
        var (field, value) = Pick(random,
            ("subject", null), ("subject", "\"\""), ("subject", "\" padded \""), ("subject", Quote(new string('s', 101))), ("subject", "7"),
            ("topic", null), ("content", "\"\""), ("content", Quote(new string('c', 10_001))), ("content", "[]"),
            ("options", "[\"only\"]"), ("options", "[" + string.Join(",", Enumerable.Repeat("\"o\"", 11)) + "]"), ("options", "[\"a\",\"\"]"), ("options", "[1,2]"), ("options", "\"a,b\""),
            ("answerKey", "4"), ("answerKey", "-1"), ("answerKey", "\"1\""), ("answerKey", null), ("answerKey", "2147483648"),
            ("a", "0"), ("a", "-1"), ("a", "11"), ("a", "\"1\""), ("a", "1e400"), ("a", null),
            ("b", "11"), ("b", "-11"), ("b", null), ("c", "1"), ("c", "-0.1"), ("d", "0.1"), ("d", "1.5"), ("status", "\"deleted\""), ("status", "5"));
        fields[field] = value;
        return fields;
    }

    private FuzzCase ListItems(Random random)
    {
        var query = Pick(random, "", "?page=0", "?page=-1", "?page=abc", "?pageSize=0", "?pageSize=100000", "?pageSize=x", "?status=bogus",
            "?subject=" + new string('s', 3000), "?subject=%ZZ", "?page=2147483648", $"?subject={Uri.EscapeDataString(targets.Subject)}&page=1&pageSize=1");
        return Get("GET /api/items", "/api/items" + query, AnyAdminKeys(random));
    }

    // With the admin key only ids that do not exist; a real item is never retired.
    private FuzzCase Retire(Random random)
    {
        var admin = random.Next(2) == 0;
        var path = admin ? ItemPath(random, real: false) : ItemPath(random, real: true);
        return Post("POST /api/items/{id}/retire", $"/api/items/{path}/retire", random.Next(3) == 0 ? Pick(random, BadBodies) : null, random,
            AnyBearer(random), admin ? [targets.AdminKey] : WrongAdminKeys(random));
    }

    private FuzzCase WrongRoute(Random random)
    {
        var (method, path) = Pick(random,
            (HttpMethod.Delete, "/api/items/" + Item(random)), (HttpMethod.Patch, "/api/items/" + Item(random)), (HttpMethod.Get, "/api/adaptive/start"),
            (HttpMethod.Put, "/api/adaptive/answer"), (HttpMethod.Delete, $"/api/adaptive/{targets.ActiveSession}"), (HttpMethod.Post, "/api/adaptive/next"),
            (HttpMethod.Post, "/api/nothing-here"), (HttpMethod.Get, "/api/adaptive/" + RandomGuid(random) + "/nothing"), (HttpMethod.Post, "/api/items/abc/retire"));
        // A DELETE or PATCH of a real item with the admin key must find no route, not a handler.
        return Send("wrong method or route", method, path, random.Next(2) == 0 ? Pick(random, BadBodies) : null, random, AnyBearer(random), AnyAdminKeys(random));
    }

    private string SessionPath(Random random) => Pick(random,
        targets.ActiveSession.ToString(), targets.CompletedSession.ToString(), RandomGuid(random).ToString(), Guid.Empty.ToString(), "not-a-guid", "%20",
        "123", new string('g', 3000), targets.ActiveSession.ToString("N"), "%7B" + targets.ActiveSession + "%7D");

    private string ItemPath(Random random, bool real)
    {
        var unknown = Pick(random, "0", "-1", "99999999999", "9223372036854775807");
        if (!real) return unknown;
        return Pick(random, unknown, Item(random), "abc", "1.5", "9223372036854775808", "%00", new string('9', 400));
    }

    private string OtherItem(Random random)
    {
        var other = targets.ItemIds.Where(id => id != targets.CurrentItem).ToArray();
        return other[random.Next(other.Length)].ToString(CultureInfo.InvariantCulture);
    }

    private string? AnyBearer(Random random) => random.Next(3) == 0 ? "Bearer " + Pick(random, targets.ActiveToken, targets.CompletedToken) : WrongBearer(random);

    private string? WrongBearer(Random random)
    {
        var token = targets.ActiveToken;
        return Pick(random,
            null, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer " + token[..^1] + (token[^1] == 'A' ? 'B' : 'A'), "Bearer " + token + "x",
            "Bearer " + Convert.ToBase64String(RandomGuid(random).ToByteArray()), "Bearer " + new string('t', 8000), "Bearer\t" + token[1..], "Token " + token);
    }

    private string[] AnyAdminKeys(Random random) => random.Next(4) == 0 ? [targets.AdminKey] : WrongAdminKeys(random);

    private string[] WrongAdminKeys(Random random)
    {
        var key = targets.AdminKey;
        return Pick<string[]>(random,
            // Not the key padded with spaces: HTTP trims a header value, so that would be the key itself.
            [], [""], [key[..^1]], [key[1..]], [key.Insert(key.Length / 2, "-")], [key.ToUpperInvariant() == key ? key.ToLowerInvariant() : key.ToUpperInvariant()],
            [key + "x"], [key, "other"], [new string('k', 6000)], ["Bearer " + key]);
    }

    private static FuzzCase Get(string endpoint, string path, string[] adminKeys, string? bearer = null) =>
        new(endpoint, HttpMethod.Get, path, null, null, bearer, adminKeys);

    private static FuzzCase Post(string endpoint, string path, string? body, Random random, string? bearer, string[] adminKeys) =>
        Send(endpoint, HttpMethod.Post, path, body, random, bearer, adminKeys);

    private static FuzzCase Send(string endpoint, HttpMethod method, string path, string? body, Random random, string? bearer, string[] adminKeys)
    {
        // Mostly JSON; sometimes another or no content type, sometimes bytes that are not UTF-8.
        var contentType = random.Next(8) switch
        {
            0 => Pick(random, BadContentTypes),
            1 => null,
            _ => "application/json",
        };
        var bytes = body is null ? null : body.StartsWith('\u00ff') ? Encoding.Latin1.GetBytes(body) : Encoding.UTF8.GetBytes(body);
        return new FuzzCase(endpoint, method, path, bytes, bytes is null ? null : contentType, bearer, adminKeys);
    }

    private static string Object(Dictionary<string, string?> fields) =>
        "{" + string.Join(",", fields.Where(f => f.Value is not null).Select(f => $"\"{f.Key}\":{f.Value}")) + "}";

    private static string Quote(string text) => "\"" + text + "\"";

    // From the request's own Random, so the same seed gives the same ids.
    private static Guid RandomGuid(Random random)
    {
        var bytes = new byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes);
    }

    private static T Pick<T>(Random random, params T[] choices) => choices[random.Next(choices.Length)];
}
