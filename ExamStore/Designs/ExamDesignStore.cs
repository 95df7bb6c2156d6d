using System.Collections.Concurrent;
using System.Text.Json;
using Engine.Design;
using ExamStore.Bank;
using ExamStore.Sessions;
using Npgsql;
using NpgsqlTypes;

namespace ExamStore.Designs;

/// <summary>
/// Exam designs in Postgres: created and versioned by administrators (every change a new immutable version, checked
/// against the subject's live bank), activated (the version new exams start on), and chosen as a subject's default.
/// Versions are read by their key on the answer path, so each is cached in memory once read (they never change).
/// </summary>
public sealed class ExamDesignStore(NpgsqlDataSource database, ItemBankCache banks, TimeProvider clock)
{
    private readonly ConcurrentDictionary<long, DesignVersion> _byKey = new();

    /// <summary>Creates a design with its first version (not yet active).</summary>
    public async Task<DesignInfo> CreateAsync(string id, string subject, string? name, TestDesign definition, CancellationToken cancellationToken)
    {
        if (!IsValidId(id)) throw Invalid("id", "id must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.");
        if (string.IsNullOrWhiteSpace(subject) || subject.Length > 100) throw Invalid("subject", "subject is required (1 to 100 characters).");
        if (name is { Length: > 200 }) throw Invalid("name", "name must be at most 200 characters.");
        await ValidateAsync(subject, definition, cancellationToken);
        await DatabaseCalls.RunAsync(async () =>
        {
            await using var connection = await database.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var insert = new NpgsqlCommand("INSERT INTO exam_designs (id, subject, name, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", connection, transaction))
            {
                insert.Parameters.Add(new() { Value = id });
                insert.Parameters.Add(new() { Value = subject });
                insert.Parameters.Add(new() { Value = name ?? string.Empty });
                insert.Parameters.Add(new() { Value = clock.GetUtcNow().UtcDateTime });
                if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
                    throw new ExamException(ExamErrorKind.Conflict, "Design exists", $"A design '{id}' already exists; PUT /api/designs/{id} adds a version.", "id");
            }
            await InsertVersionAsync(connection, transaction, id, 1, definition, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return true;
        });
        return (await GetAsync(id, cancellationToken))!;
    }

    /// <summary>Adds a version to a design (not yet active; exams keep running the active one).</summary>
    public async Task<DesignInfo> AddVersionAsync(string id, TestDesign definition, CancellationToken cancellationToken)
    {
        var design = await GetAsync(id, cancellationToken) ?? throw NotFound(id);
        await ValidateAsync(design.Subject, definition, cancellationToken);
        await DatabaseCalls.RunAsync(async () =>
        {
            await using var connection = await database.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            // The design row's lock orders concurrent additions, so each gets the next number.
            await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM exam_designs WHERE id = $1 FOR UPDATE", connection, transaction))
            {
                lockRow.Parameters.Add(new() { Value = id });
                await lockRow.ExecuteScalarAsync(cancellationToken);
            }
            int next;
            await using (var max = new NpgsqlCommand("SELECT coalesce(max(version), 0) + 1 FROM exam_design_versions WHERE design_id = $1", connection, transaction))
            {
                max.Parameters.Add(new() { Value = id });
                next = (int)(await max.ExecuteScalarAsync(cancellationToken))!;
            }
            await InsertVersionAsync(connection, transaction, id, next, definition, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return next;
        });
        return (await GetAsync(id, cancellationToken))!;
    }

    /// <summary>Makes a version the one new exams start on, storing the simulation report it passed.</summary>
    public async Task ActivateAsync(string id, int version, string simulationReport, CancellationToken cancellationToken)
    {
        var updated = await DatabaseCalls.RunAsync(async () =>
        {
            await using var command = database.CreateCommand("""
                WITH version AS (
                    UPDATE exam_design_versions SET activated_at = $3, simulation = $4 WHERE design_id = $1 AND version = $2 RETURNING design_id
                )
                UPDATE exam_designs d SET active_version = $2 FROM version v WHERE d.id = v.design_id
                """);
            command.Parameters.Add(new() { Value = id });
            command.Parameters.Add(new() { Value = version });
            command.Parameters.Add(new() { Value = clock.GetUtcNow().UtcDateTime });
            command.Parameters.Add(new() { Value = simulationReport, NpgsqlDbType = NpgsqlDbType.Jsonb });
            return await command.ExecuteNonQueryAsync(cancellationToken);
        });
        if (updated == 0) throw new ExamException(ExamErrorKind.NotFound, "Design version not found", $"Design '{id}' has no version {version}.", "version");
    }

    /// <summary>Makes an active design the subject's default (what exams run when the start request names no design).</summary>
    public async Task SetDefaultAsync(string id, CancellationToken cancellationToken)
    {
        var design = await GetAsync(id, cancellationToken) ?? throw NotFound(id);
        if (design.ActiveVersion is null)
            throw new ExamException(ExamErrorKind.Conflict, "Design not active", $"Design '{id}' has no active version; activate one first.", "id");
        await DatabaseCalls.RunAsync(async () =>
        {
            await using var command = database.CreateCommand(
                "INSERT INTO subject_default_designs (subject, design_id) VALUES ($1, $2) ON CONFLICT (subject) DO UPDATE SET design_id = excluded.design_id");
            command.Parameters.Add(new() { Value = design.Subject });
            command.Parameters.Add(new() { Value = id });
            return await command.ExecuteNonQueryAsync(cancellationToken);
        });
    }

    /// <summary>A design with its versions (definitions left out), or null.</summary>
    public async Task<DesignInfo?> GetAsync(string id, CancellationToken cancellationToken) =>
        (await ListAsync(null, id, cancellationToken)).SingleOrDefault();

    /// <summary>Every design, of one subject when given, ordered by id.</summary>
    public Task<IReadOnlyList<DesignInfo>> ListAsync(string? subject, CancellationToken cancellationToken) => ListAsync(subject, null, cancellationToken);

    /// <summary>One version with its definition and simulation report, or null.</summary>
    public async Task<DesignVersionInfo?> GetVersionAsync(string id, int version, CancellationToken cancellationToken) =>
        await DatabaseCalls.RunAsync(async () =>
        {
            await using var command = database.CreateCommand(
                "SELECT created_at, activated_at, definition::text, simulation::text FROM exam_design_versions WHERE design_id = $1 AND version = $2");
            command.Parameters.Add(new() { Value = id });
            command.Parameters.Add(new() { Value = version });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) return null;
            JsonElement? simulation = reader.IsDBNull(3) ? null : JsonDocument.Parse(reader.GetString(3)).RootElement.Clone();
            return new DesignVersionInfo(version, reader.GetDateTime(0), reader.IsDBNull(1) ? null : reader.GetDateTime(1),
                JsonSerializer.Deserialize<TestDesign>(reader.GetString(2), DesignJson.Options), simulation);
        });

    /// <summary>A version by design id and number, or null.</summary>
    public Task<DesignVersion?> VersionAsync(string id, int version, CancellationToken cancellationToken) =>
        ReadVersionAsync("v.design_id = $1 AND v.version = $2", [id, version], cancellationToken);

    /// <summary>A version by its key (what a session records); cached, since versions never change.</summary>
    public async Task<DesignVersion> ByKeyAsync(long key, CancellationToken cancellationToken)
    {
        if (_byKey.TryGetValue(key, out var cached)) return cached;
        var version = await ReadVersionAsync("v.key = $1", [key], cancellationToken)
            ?? throw new ExamException(ExamErrorKind.Conflict, "Design missing", $"The exam design version {key} of this session no longer exists.");
        return _byKey.GetOrAdd(key, version);
    }

    /// <summary>
    /// The version an exam starts on: the named design's active version, else the subject's default design's. The
    /// design must be of the subject when both are given.
    /// </summary>
    public async Task<DesignVersion> ForStartAsync(string? designId, string? subject, CancellationToken cancellationToken)
    {
        DesignVersion? version;
        if (designId is not null)
        {
            version = await ReadVersionAsync("v.design_id = $1 AND v.version = d.active_version", [designId], cancellationToken);
            if (version is null)
            {
                var design = await GetAsync(designId, cancellationToken)
                    ?? throw new ExamException(ExamErrorKind.Invalid, "Unknown design", $"There is no exam design '{designId}'.", "designId");
                throw new ExamException(ExamErrorKind.Conflict, "Design not active", $"Exam design '{design.Id}' has no active version yet.", "designId");
            }
            if (subject is not null && !string.Equals(subject, version.Subject, StringComparison.Ordinal))
                throw Invalid("subject", $"Exam design '{designId}' is for subject '{version.Subject}', not '{subject}'.");
        }
        else
        {
            if (string.IsNullOrWhiteSpace(subject)) throw Invalid("designId", "designId (or subject, for the subject's default design) is required.");
            version = await ReadVersionAsync(
                "v.design_id = (SELECT design_id FROM subject_default_designs WHERE subject = $1) AND v.version = d.active_version", [subject], cancellationToken)
                ?? throw Invalid("subject", $"Subject '{subject}' has no default exam design; name one with designId, or an administrator sets one (POST /api/designs/{{id}}/default).");
        }
        return _byKey.GetOrAdd(version.Key, version);
    }

    private async Task<DesignVersion?> ReadVersionAsync(string condition, object[] parameters, CancellationToken cancellationToken) =>
        await DatabaseCalls.RunAsync(async () =>
        {
            await using var command = database.CreateCommand(
                $"SELECT v.key, v.design_id, v.version, d.subject, v.definition::text FROM exam_design_versions v JOIN exam_designs d ON d.id = v.design_id WHERE {condition}");
            foreach (var parameter in parameters) command.Parameters.Add(new() { Value = parameter });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) return null;
            return new DesignVersion(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3),
                JsonSerializer.Deserialize<TestDesign>(reader.GetString(4), DesignJson.Options)!);
        });

    private async Task<IReadOnlyList<DesignInfo>> ListAsync(string? subject, string? id, CancellationToken cancellationToken) =>
        await DatabaseCalls.RunAsync(async () =>
        {
            await using var command = database.CreateCommand("""
                SELECT d.id, d.subject, d.name, d.active_version, d.created_at, (s.subject IS NOT NULL) AS is_default,
                       v.version, v.created_at, v.activated_at
                FROM exam_designs d
                LEFT JOIN subject_default_designs s ON s.design_id = d.id
                JOIN exam_design_versions v ON v.design_id = d.id
                WHERE ($1::text IS NULL OR d.subject = $1) AND ($2::text IS NULL OR d.id = $2)
                ORDER BY d.id, v.version
                """);
            command.Parameters.Add(new() { Value = (object?)subject ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = (object?)id ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            var designs = new List<DesignInfo>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var designId = reader.GetString(0);
                if (designs.Count == 0 || designs[^1].Id != designId)
                {
                    designs.Add(new DesignInfo(designId, reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetInt32(3),
                        reader.GetBoolean(5), reader.GetDateTime(4), new List<DesignVersionInfo>()));
                }
                ((List<DesignVersionInfo>)designs[^1].Versions).Add(
                    new DesignVersionInfo(reader.GetInt32(6), reader.GetDateTime(7), reader.IsDBNull(8) ? null : reader.GetDateTime(8), null, null));
            }
            return (IReadOnlyList<DesignInfo>)designs;
        });

    private async Task InsertVersionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, int version, TestDesign definition, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO exam_design_versions (design_id, version, definition, created_at) VALUES ($1, $2, $3, $4)", connection, transaction);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = version });
        command.Parameters.Add(new() { Value = JsonSerializer.Serialize(definition, DesignJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new() { Value = clock.GetUtcNow().UtcDateTime });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    // Checked against the live bank, so a design that could not run today is refused now rather than at an exam's start.
    private async Task ValidateAsync(string subject, TestDesign definition, CancellationToken cancellationToken)
    {
        var snapshot = await DatabaseCalls.RunAsync(() => banks.GetAsync(subject, cancellationToken))
            ?? throw Invalid("subject", $"There is no item bank for subject '{subject}'.");
        var scaling = definition.Scaling is 1 or 1.702 ? definition.Scaling : 1;
        var problems = DesignCompiler.Validate(definition, snapshot.BankAt(scaling), snapshot.ItemIds, snapshot.RetiredIndices);
        if (problems.Count > 0) throw InvalidDefinition(problems);
    }

    /// <summary>The 400 for a design that cannot run: the first fault as the field, every fault in "errors".</summary>
    public static ExamException InvalidDefinition(IReadOnlyList<DesignProblem> problems) =>
        new(ExamErrorKind.Invalid, $"Invalid definition.{problems[0].Field}", $"definition.{problems[0].Field}: {problems[0].Message}", $"definition.{problems[0].Field}")
        {
            Errors = problems.GroupBy(p => "definition." + p.Field).ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray()),
        };

    private static bool IsValidId(string id) =>
        id.Length is >= 1 and <= 64 && char.IsAsciiLetterOrDigit(id[0]) && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    private static ExamException Invalid(string field, string detail) => new(ExamErrorKind.Invalid, $"Invalid {field}", detail, field);

    private static ExamException NotFound(string id) => new(ExamErrorKind.NotFound, "Design not found", $"There is no exam design '{id}'.", "id");
}
