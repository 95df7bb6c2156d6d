using System.Diagnostics;
using System.Text.Json;
using Engine;
using Engine.Estimation;
using Engine.Selection;
using Engine.State;
using ExamStore.Bank;
using ExamStore.Data;
using ExamStore.Designs;
using ExamStore.HotState;
using Microsoft.EntityFrameworkCore;

namespace ExamStore.Sessions;

/// <summary>
/// The exam flows shared by ExamApi and CleanupWorker: start, answer, status, extend, complete, abandon, history.
/// Postgres is the source of truth and every answer is acknowledged only after its attempt row committed; Redis holds
/// the hot state and is rebuilt from Postgres whenever it is missing, and skipped while unreachable.
/// </summary>
public sealed class ExamSessionService(
    ExamDbContext db,
    ItemBankCache banks,
    SessionStateStore hotState,
    QuestionCache questions,
    RedisHealth redisHealth,
    SessionTokens tokens,
    AttemptWriter attempts,
    ExamDesignStore designs,
    ExamRecords records,
    TimeProvider clock,
    IExamFlowObserver observer,
    IStudentActivityObserver studentActivity)
{
    /// <summary>
    /// Traces of the exam flows beyond the Redis and PostgreSQL client spans: an answer's wait for its group commit
    /// (<c>exam.persist</c>), the batch that committed it (<c>exam.attempt_batch</c>) and rebuilds (<c>exam.rebuild</c>).
    /// Steps that are pure computation get no span: at a few microseconds each, exporting it would cost more.
    /// </summary>
    public static readonly ActivitySource ActivitySource = new("ExamStore");

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Starts an exam on its design's active version: creates the session in Postgres, caches its hot state and serves the first item.</summary>
    public async Task<ExamStarted> StartAsync(ExamRequest request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.StudentId) || request.StudentId.Length > 100)
            throw Invalid("studentId", "studentId is required (1 to 100 characters).");
        if (request.Subject is { } requested && (string.IsNullOrWhiteSpace(requested) || requested.Length > 100))
            throw Invalid("subject", "subject must be 1 to 100 characters.");
        if (request.DesignId is { Length: 0 or > 64 }) throw Invalid("designId", "designId must be 1 to 64 characters.");
        var design = await designs.ForStartAsync(request.DesignId, request.Subject, cancellationToken);
        var snapshot = await Pg(() => banks.GetAsync(design.Subject, cancellationToken))
            ?? throw Invalid("subject", $"There is no item bank for subject '{design.Subject}'.");
        var compiled = ExamEngine.CompileForStart(snapshot, design);
        var timeLimit = design.Definition.TimeLimitSeconds;

        var now = clock.GetUtcNow().UtcDateTime;
        var sessionId = Guid.CreateVersion7();
        var seed = Random.Shared.Next();
        var test = ExamEngine.Create(snapshot, compiled);
        var step = test.Start(new Random(SessionHotState.SelectionSeed(seed, 0)));
        var choice = Choice(snapshot, step.Next!);
        var expiresAt = timeLimit is { } seconds ? now.AddSeconds(seconds) : (DateTime?)null;
        var session = new ExamSessionEntity
        {
            Id = sessionId,
            StudentId = request.StudentId,
            Subject = design.Subject,
            Configuration = JsonSerializer.Serialize(new StoredConfiguration(design.DesignId, design.Version, compiled.MaxItems, timeLimit, seed), Json),
            BankVersion = snapshot.Version,
            DesignKey = design.Key,
            Status = SessionStatus.Active,
            Theta = step.State.Theta,
            Se = Finite(step.State.StandardError),
            FirstSelection = JsonSerializer.Serialize(choice, StoredChoiceJson.Default.ItemChoice),
            StartedAt = now,
            LastActivityAt = now,
            ExpiresAt = expiresAt,
        };
        db.ExamSessions.Add(session);
        await Pg(() => db.SaveChangesAsync(cancellationToken));
        studentActivity.ExamStarted(request.StudentId, design.Subject);

        var hot = new SessionHotState(design.Subject, snapshot.Version, design.Key, seed, now, now, expiresAt, step.State);
        await TryRedis(() => hotState.SaveAsync(sessionId, hot));
        var item = await QuestionAsync(snapshot, choice.ItemId, cancellationToken);
        return new ExamStarted(sessionId, tokens.Issue(sessionId), design.DesignId, design.Version, item, 0, compiled.MaxItems, step.State.Theta, Finite(step.State.StandardError), expiresAt);
    }

    /// <summary>
    /// Records the answer to the session's current item. Exactly one attempt row results however often or however
    /// concurrently the same answer is sent; every caller gets the recorded result.
    /// </summary>
    public async Task<AnswerRecorded> AnswerAsync(Guid sessionId, long itemId, int response, CancellationToken cancellationToken)
    {
        // A Redis copy that fell behind Postgres (written while Redis was skipped, or by a request whose write was lost)
        // is dropped by the first try; the second works from the state rebuilt from Postgres.
        return await TryAnswerAsync(sessionId, itemId, response, cancellationToken)
            ?? await TryAnswerAsync(sessionId, itemId, response, cancellationToken)
            ?? throw NotCurrentItem(itemId);
    }

    // Null when the hot state turned out to be stale and was dropped.
    private async Task<AnswerRecorded?> TryAnswerAsync(Guid sessionId, long itemId, int response, CancellationToken cancellationToken)
    {
        var (acquired, token) = await LockAsync(sessionId, cancellationToken);
        var released = false;
        try
        {
            var hot = acquired.State ?? await RebuildAsync(sessionId, cancellationToken);
            if (hot is null) return await RecordedOrConflictAsync(sessionId, itemId, response, null, cancellationToken);
            var snapshot = await banks.RequireAsync(hot.Subject, cancellationToken);
            var design = await designs.ByKeyAsync(hot.DesignKey, cancellationToken);
            var index = snapshot.IndexOf(itemId);
            if (hot.Exam.Finished || hot.Exam.CurrentItem is not int current || index != current)
                return await RecordedOrConflictAsync(sessionId, itemId, response, hot.Exam.Count, cancellationToken);
            if ((uint)response >= (uint)snapshot.OptionCounts[index])
                throw Invalid("response", $"response must be an option index from 0 to {snapshot.OptionCounts[index] - 1}.");

            var now = clock.GetUtcNow().UtcDateTime;
            if (hot.ExpiresAt is { } expiresAt && now > expiresAt)
            {
                await FinishAsync(sessionId, SessionStatus.Completed, "time", cancellationToken);
                released = true;
                throw new ExamException(ExamErrorKind.Conflict, "Time limit reached", $"The exam's time limit passed at {expiresAt:O}; the exam was completed.", "sessionId");
            }

            var correct = response == snapshot.AnswerKeys[index];
            var compiled = ExamEngine.Compile(snapshot, design);
            var test = ExamEngine.Create(snapshot, compiled);
            var step = test.Answer(hot.Exam, correct ? 1 : 0, new Random(SessionHotState.SelectionSeed(hot.Seed, hot.Exam.Count + 1)));
            var next = step.Next is null ? null : Choice(snapshot, step.Next);
            var attempt = new AttemptEntity
            {
                SessionId = sessionId,
                Seq = step.State.Count,
                ItemId = itemId,
                Response = response,
                Correct = correct,
                ThetaAfter = step.State.Theta,
                SeAfter = Finite(step.State.StandardError),
                ServedAt = hot.ServedAt,
                AnsweredAt = now,
                NextSelection = next is null ? null : JsonSerializer.Serialize(next, StoredChoiceJson.Default.ItemChoice),
            };
            // Every answer reports the topics' θ; only the one that ends the exam stores their SEs too, so the others
            // make just the θ dictionary.
            var topicEstimates = step.Stop.Stop ? ExamEngine.TopicEstimates(snapshot, step.State.Items, step.State.Responses) : null;
            var proficiency = topicEstimates is null
                ? ExamEngine.TopicProficiency(snapshot, step.State.Items, step.State.Responses)
                : ExamEngine.TopicProficiency(topicEstimates);
            // Read before the commit: once the attempt is in, nothing may fail before the answer is acknowledged.
            var nextItem = next is null ? null : await QuestionAsync(snapshot, next.ItemId, cancellationToken);

            bool written;
            string? finishedBy = null;
            using (ActivitySource.StartActivity("exam.persist"))
            {
                written = step.Stop.Stop
                    ? (finishedBy = await PersistFinalAnswerAsync(attempt, step.Stop.Rule!, topicEstimates!, TopicStatistics.Tally(snapshot, step.State.Items, step.State.Responses))) is not null
                    : await Pg(() => attempts.WriteAsync(attempt));
            }
            if (!written) return await RecordedOrConflictAsync(sessionId, itemId, response, hot.Exam.Count, cancellationToken);
            if (finishedBy is not null)
            {
                studentActivity.ExamEnded(finishedBy, hot.Subject);
                ExposureCounts.Recorded(hot.Subject, step.State.Count);
            }

            if (step.Stop.Stop) await TryRedis(() => hotState.RemoveAsync(sessionId));
            else await TryRedis(() => acquired.Acquired
                ? hotState.SaveAndUnlockAsync(sessionId, token, hot with { LastActivity = now, ServedAt = now, Exam = step.State })
                : hotState.SaveAsync(sessionId, hot with { LastActivity = now, ServedAt = now, Exam = step.State }));
            released = true;
            return new AnswerRecorded(step.State.Count, step.State.Theta, Finite(step.State.StandardError), proficiency, step.Stop.Stop, step.Stop.Rule,
                ExamRecords.ClassificationView(compiled, step.Classification), nextItem);
        }
        finally
        {
            if (acquired.Acquired && !released) await TryRedis(() => hotState.ReleaseAsync(sessionId, token));
        }
    }

    /// <summary>The item waiting for an answer (repeatable), or null when the exam is over.</summary>
    public async Task<QuestionView?> CurrentItemAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        var hot = await LoadAsync(sessionId, cancellationToken);
        if (hot?.Exam.CurrentItem is not int index) return null;
        var snapshot = await banks.RequireAsync(hot.Subject, cancellationToken);
        return await QuestionAsync(snapshot, snapshot.ItemIds[index], cancellationToken);
    }

    /// <summary>Where the exam stands; null when the session does not exist.</summary>
    public async Task<ExamStatus?> StatusAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        // The hot state is read while Postgres reads the row: an active session needs both, and an ended one is rare.
        var hotRead = ReadHotStateAsync(sessionId);
        var session = await Pg(() => db.ExamSessions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == sessionId, cancellationToken));
        if (session is null) return null;
        var configuration = JsonSerializer.Deserialize<StoredConfiguration>(session.Configuration, Json)!;
        if (session.Status != SessionStatus.Active)
            return new ExamStatus(sessionId, session.StudentId, session.Subject, session.Status, session.Theta, session.Se, session.ItemCount, configuration.MaxItems, null, session.LastActivityAt, session.ExpiresAt, session.StopReason);
        var (hot, ttl) = await LoadAsync(sessionId, hotRead, cancellationToken, session);
        if (hot is null) return null;
        return new ExamStatus(sessionId, session.StudentId, session.Subject, session.Status, hot.Exam.Theta, Finite(hot.Exam.StandardError), hot.Exam.Count, configuration.MaxItems,
            ttl is { } t ? (int)Math.Ceiling(t.TotalSeconds) : null, hot.LastActivity, hot.ExpiresAt, null);
    }

    /// <summary>Sets the hot state's time to live to <paramref name="seconds"/>; returns the new TTL in seconds.</summary>
    public async Task<int> ExtendAsync(Guid sessionId, int seconds, CancellationToken cancellationToken)
    {
        if (seconds is < 60 or > 86_400) throw Invalid("seconds", "seconds must be between 60 and 86400.");
        var hot = await LoadAsync(sessionId, cancellationToken)
            ?? throw new ExamException(ExamErrorKind.Conflict, "Exam not active", "Only an active exam can be extended.", "sessionId");
        if (!redisHealth.IsAvailable) throw new ExamException(ExamErrorKind.Unavailable, "Cache unavailable", "The session cache is unreachable; try again shortly.");
        var extended = await TryRedis(async () =>
        {
            if (await hotState.ExpireAsync(sessionId, TimeSpan.FromSeconds(seconds))) return true;
            await hotState.SaveIfAbsentAsync(sessionId, hot);
            return await hotState.ExpireAsync(sessionId, TimeSpan.FromSeconds(seconds));
        });
        return extended ? seconds : throw new ExamException(ExamErrorKind.Unavailable, "Cache unavailable", "The session cache is unreachable; try again shortly.");
    }

    /// <summary>Completes an active exam (or returns the summary of one already finished).</summary>
    public async Task<ExamSummary> CompleteAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        // Usually the last answer has already ended the exam: then one read serves the summary, with no transaction.
        var session = await Pg(() => db.ExamSessions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == sessionId, cancellationToken));
        if (session?.Status == SessionStatus.Active)
        {
            await FinishAsync(sessionId, SessionStatus.Completed, "completed_by_student", cancellationToken);
            session = await Pg(() => db.ExamSessions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == sessionId, cancellationToken));
        }
        else if (session is not null)
        {
            await TryRedis(() => hotState.RemoveAsync(sessionId));
        }
        return await records.SummaryAsync(session, cancellationToken)
            ?? throw new ExamException(ExamErrorKind.NotFound, "Session not found", "No such session.", "sessionId");
    }

    /// <summary>
    /// Ends an active session as <paramref name="status"/> with its last θ/SE from Postgres, updates the student's
    /// proficiency when completed, and removes the hot state. Returns false when it was no longer active.
    /// </summary>
    public async Task<bool> FinishAsync(Guid sessionId, string status, string stopReason, CancellationToken cancellationToken)
    {
        var finished = await InTransactionAsync<(string StudentId, string Subject, int Administered)?>(async transaction =>
        {
            var session = await db.ExamSessions.FromSqlInterpolated($"SELECT * FROM exam_sessions WHERE id = {sessionId} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);
            if (session is null || session.Status != SessionStatus.Active) return null;
            var last = await db.Attempts.AsNoTracking().Where(a => a.SessionId == sessionId).OrderByDescending(a => a.Seq).FirstOrDefaultAsync(cancellationToken);
            session.Status = status;
            session.StopReason = stopReason;
            session.CompletedAt = clock.GetUtcNow().UtcDateTime;
            if (last is not null)
            {
                session.Theta = last.ThetaAfter;
                session.Se = last.SeAfter;
                session.ItemCount = last.Seq;
                session.LastActivityAt = last.AnsweredAt;
            }
            await db.SaveChangesAsync(cancellationToken);
            if (status == SessionStatus.Completed && last is not null) await UpdateProficiencyAsync(session, cancellationToken);
            // The item waiting for an answer was shown to the student, so it counts as administered.
            var waiting = last is null ? session.FirstSelection : last.NextSelection;
            long[] unanswered = waiting is null ? [] : [JsonSerializer.Deserialize<ItemChoice>(waiting, Json)!.ItemId];
            await db.Database.ExecuteSqlRawAsync(RecordExposureSql, [sessionId, session.Subject, unanswered], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return (session.StudentId, session.Subject, (last?.Seq ?? 0) + unanswered.Length);
        }, cancellationToken);
        await TryRedis(() => hotState.RemoveAsync(sessionId));
        if (finished is var (studentId, subject, administered))
        {
            studentActivity.ExamEnded(studentId, subject);
            ExposureCounts.Recorded(subject, administered);
        }
        return finished is not null;
    }

    /// <summary>
    /// An exam's result so far without changing it: for an active exam θ, SE, items answered and the classification so
    /// far (from the hot state, rebuilt if need be); for an ended one its final summary. Null when the session does not exist.
    /// </summary>
    public async Task<ExamSummary?> ProgressAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        var hotRead = ReadHotStateAsync(sessionId);
        var session = await Pg(() => db.ExamSessions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == sessionId, cancellationToken));
        if (session?.Status != SessionStatus.Active) return await records.SummaryAsync(session, cancellationToken);
        var (hot, _) = await LoadAsync(sessionId, hotRead, cancellationToken, session);
        if (hot is null) return await records.SummaryAsync(sessionId, cancellationToken);
        var snapshot = await banks.RequireAsync(hot.Subject, cancellationToken);
        var design = await designs.ByKeyAsync(hot.DesignKey, cancellationToken);
        var compiled = ExamEngine.Compile(snapshot, design);
        var classification = ExamRecords.ClassificationView(compiled, ExamEngine.Create(snapshot, compiled).Classify(hot.Exam));
        return new ExamSummary(session.Id, session.StudentId, session.Subject, design.DesignId, design.Version, session.Status, hot.Exam.Theta, Finite(hot.Exam.StandardError),
            hot.Exam.Count, null, classification, new Dictionary<string, double>(), session.StartedAt, null);
    }

    /// <summary>
    /// Seconds until an active exam's hot state expires (the abandonment clock), rebuilding it when Redis lost it; null
    /// when the session is not active. Throws 503 while Redis is unreachable (the TTL lives there).
    /// </summary>
    public async Task<int?> TimeToLiveAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        var (hot, ttl) = await LoadAsync(sessionId, ReadHotStateAsync(sessionId), cancellationToken);
        if (hot is null) return null;
        return ttl is { } t ? (int)Math.Ceiling(t.TotalSeconds)
            : throw new ExamException(ExamErrorKind.Unavailable, "Cache unavailable", "The session cache is unreachable; try again shortly.");
    }

    /// <summary>True when the token was issued for the session.</summary>
    public bool Authorize(Guid sessionId, ReadOnlySpan<char> token) => tokens.Verify(sessionId, token);

    /// <summary>
    /// Rebuilds an active session's hot state from Postgres by replaying its attempts through the Engine (θ and SE are
    /// bit-identical to the uninterrupted run). Null when the session is not active. The caller decides how it goes
    /// back to Redis: under the submission lock, or only where Redis has no newer state. A caller that has just read the
    /// session row passes it as <paramref name="session"/>, saving a query.
    /// </summary>
    public async Task<SessionHotState?> RebuildAsync(Guid sessionId, CancellationToken cancellationToken, ExamSessionEntity? session = null)
    {
        using var activity = ActivitySource.StartActivity("exam.rebuild");
        var began = Stopwatch.GetTimestamp();
        session ??= await Pg(() => db.ExamSessions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == sessionId, cancellationToken));
        if (session is null || session.Status != SessionStatus.Active) return null;
        var attempts = await Pg(() => db.Attempts.AsNoTracking().Where(a => a.SessionId == sessionId).OrderBy(a => a.Seq)
            .Select(a => new { a.ItemId, a.Correct, a.AnsweredAt, a.NextSelection }).ToListAsync(cancellationToken));
        var snapshot = await banks.RequireAsync(session.Subject, cancellationToken);
        var configuration = JsonSerializer.Deserialize<StoredConfiguration>(session.Configuration, Json)!;
        var design = await designs.ByKeyAsync(session.DesignKey
            ?? throw new ExamException(ExamErrorKind.Conflict, "Design missing", "This exam records no exam design, so it cannot be resumed."), cancellationToken);

        var currentChoice = JsonSerializer.Deserialize<ItemChoice>(attempts.LastOrDefault()?.NextSelection ?? session.FirstSelection, Json)!;
        var finished = attempts.Count > 0 && attempts[^1].NextSelection is null;
        var state = ExamEngine.Create(snapshot, design).Replay(
            attempts.Select(a => snapshot.IndexOf(a.ItemId)).ToArray(),
            attempts.Select(a => a.Correct ? 1 : 0).ToArray(),
            finished ? null : snapshot.IndexOf(currentChoice.ItemId),
            finished);
        var lastActivity = attempts.Count > 0 ? attempts[^1].AnsweredAt : session.StartedAt;
        var hot = new SessionHotState(session.Subject, session.BankVersion, design.Key, configuration.Seed, lastActivity, lastActivity, session.ExpiresAt, state);
        activity?.SetTag("exam.answers", attempts.Count);
        observer.HotStateRebuilt(redisHealth.IsAvailable, Stopwatch.GetElapsedTime(began));
        return hot;
    }

    private async Task<SessionHotState?> LoadAsync(Guid sessionId, CancellationToken cancellationToken) =>
        (await LoadAsync(sessionId, ReadHotStateAsync(sessionId), cancellationToken)).State;

    // The state and its time to live in one round trip; (null, null) when Redis has none or is unreachable.
    private Task<(SessionHotState? State, TimeSpan? TimeToLive)> ReadHotStateAsync(Guid sessionId) =>
        TryRedis(() => hotState.LoadWithTimeToLiveAsync(sessionId));

    // Finishes a read of the hot state, rebuilding it from Postgres when Redis had none. Reads take no lock: a rebuilt
    // state is written back only where Redis has none, so it never overwrites the state an answer wrote in the meantime.
    private async Task<(SessionHotState? State, TimeSpan? TimeToLive)> LoadAsync(
        Guid sessionId, Task<(SessionHotState? State, TimeSpan? TimeToLive)> read, CancellationToken cancellationToken, ExamSessionEntity? session = null)
    {
        var (hot, ttl) = await read;
        if (hot is not null) return (ExamEngine.WithEstimate(await banks.RequireAsync(hot.Subject, cancellationToken), await designs.ByKeyAsync(hot.DesignKey, cancellationToken), hot), ttl);
        hot = await RebuildAsync(sessionId, cancellationToken, session);
        return hot is null ? (null, null) : (hot, await TryRedis(() => hotState.SaveIfAbsentAsync(sessionId, hot)));
    }

    // Takes the submission lock; a concurrent holder is waited for (it will have recorded the answer by then, so this
    // request returns the recorded result). With Redis unreachable there is no lock: Postgres's unique keys decide.
    private async Task<(SessionLock Lock, string Token)> LockAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + hotState.Options.LockTimeout;
        var contended = false;
        while (redisHealth.IsAvailable)
        {
            SessionLock attempt;
            try
            {
                attempt = await hotState.LockAndLoadAsync(sessionId);
                redisHealth.ReportSuccess();
            }
            catch (Exception error) when (RedisHealth.IsRedisFailure(error))
            {
                redisHealth.ReportFailure(error);
                break;
            }
            if (attempt.Acquired) return (attempt, attempt.Token);
            if (!contended)
            {
                contended = true;
                observer.LockContended();
            }
            if (DateTime.UtcNow > deadline)
                throw new ExamException(ExamErrorKind.Conflict, "Answer in progress", "Another request for this session is still being processed; retry.", "sessionId");
            await Task.Delay(10, cancellationToken);
        }
        return (default, string.Empty);
    }

    // The answer that ends the exam: its attempt, the session's completion, the student's proficiency and topic
    // statistics commit together, and only while the session is still active (a concurrent completion or sweep locks
    // the same row).
    private Task<string?> PersistFinalAnswerAsync(
        AttemptEntity attempt, string stopReason, IReadOnlyDictionary<string, AbilityEstimate> topicEstimates, (string[] Topics, int[] Answers, int[] Correct) tally) =>
        Pg(() => attempts.WriteFinalAsync(attempt, stopReason, StudentProficiencies.Estimates(topicEstimates, attempt.ThetaAfter, attempt.SeAfter), tally));

    // The completed exam's contribution to the student's long-term proficiency and topic statistics.
    private async Task UpdateProficiencyAsync(ExamSessionEntity session, CancellationToken cancellationToken)
    {
        var snapshot = await banks.RequireAsync(session.Subject, cancellationToken);
        var answered = await db.Attempts.AsNoTracking().Where(a => a.SessionId == session.Id).OrderBy(a => a.Seq).Select(a => new { a.ItemId, a.Correct }).ToListAsync(cancellationToken);
        var items = answered.Select(a => snapshot.IndexOf(a.ItemId)).ToArray();
        var responses = answered.Select(a => a.Correct ? 1 : 0).ToArray();
        var topicEstimates = ExamEngine.TopicEstimates(snapshot, items, responses);
        var (topics, thetas, standardErrors) = StudentProficiencies.Estimates(topicEstimates, session.Theta, session.Se);
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Database.ExecuteSqlRawAsync(
            StudentProficiencies.UpsertSql(StudentRow, "{2}", "{3}", "{4}", "{5}"),
            [session.StudentId, session.Subject, topics, thetas, standardErrors, now],
            cancellationToken);
        var (tallyTopics, answers, correct) = TopicStatistics.Tally(snapshot, items, responses);
        await db.Database.ExecuteSqlRawAsync(
            TopicStatistics.FoldSql(StudentRow, "{2}", "{3}", "{4}", "{5}"),
            [session.StudentId, session.Subject, tallyTopics, answers, correct, now],
            cancellationToken);
    }

    // The FROM item the proficiency and topic statistics statements read the student and subject from ({0}, {1}).
    private const string StudentRow = "(SELECT {0}::text AS student_id, {1}::text AS subject) f";

    // Counts an ending session's items ({0} its id, {1} its subject, {2} the item left unanswered, if any).
    private static readonly string RecordExposureSql = $"WITH {ExposureCounts.RecordSql("(SELECT {0}::uuid AS id, {1}::text AS subject) f", "{2}::bigint[]")} SELECT 1";

    // A request that does not match the current item: the recorded result when this exact answer was recorded
    // before (a retry), otherwise a conflict that names the problem. When the hot state the request was checked
    // against (hotCount answers) disagrees with Postgres, that state is dropped and null is returned: try again.
    private async Task<AnswerRecorded?> RecordedOrConflictAsync(Guid sessionId, long itemId, int response, int? hotCount, CancellationToken cancellationToken)
    {
        var session = await Pg(() => db.ExamSessions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == sessionId, cancellationToken))
            ?? throw new ExamException(ExamErrorKind.NotFound, "Session not found", "No such session.", "sessionId");
        var attempt = await Pg(() => db.Attempts.AsNoTracking().SingleOrDefaultAsync(a => a.SessionId == sessionId && a.ItemId == itemId, cancellationToken));
        if (attempt is null)
        {
            if (session.Status != SessionStatus.Active)
            {
                if (hotCount is not null) await TryRedis(() => hotState.RemoveAsync(sessionId));
                throw new ExamException(ExamErrorKind.Conflict, "Exam over", $"The exam is {session.Status}; no more answers are accepted.", "sessionId");
            }
            if (hotCount is int count && count != await Pg(() => db.Attempts.CountAsync(a => a.SessionId == sessionId, cancellationToken)))
            {
                await TryRedis(() => hotState.RemoveAsync(sessionId));
                return null;
            }
            throw NotCurrentItem(itemId);
        }
        // A hot state that has not seen this recorded answer is behind Postgres: drop it so the next request rebuilds.
        if (hotCount < attempt.Seq) await TryRedis(() => hotState.RemoveAsync(sessionId));
        if (attempt.Response != response)
            throw new ExamException(ExamErrorKind.Conflict, "Already answered", $"Item {itemId} was already answered with a different response.", "response");

        var snapshot = await banks.RequireAsync(session.Subject, cancellationToken);
        var answered = await Pg(() => db.Attempts.AsNoTracking().Where(a => a.SessionId == sessionId && a.Seq <= attempt.Seq).OrderBy(a => a.Seq)
            .Select(a => new { a.ItemId, a.Correct }).ToListAsync(cancellationToken));
        var items = answered.Select(a => snapshot.IndexOf(a.ItemId)).ToArray();
        var responses = answered.Select(a => a.Correct ? 1 : 0).ToArray();
        var proficiency = ExamEngine.TopicProficiency(snapshot, items, responses);
        var next = attempt.NextSelection is null ? null : JsonSerializer.Deserialize<ItemChoice>(attempt.NextSelection, Json);
        var done = next is null;
        var nextItem = next is null ? null : await QuestionAsync(snapshot, next.ItemId, cancellationToken);
        ExamClassification? classification = null;
        if (session.DesignKey is long key)
        {
            // The classification the first response reported: the same answers replayed, forced when that answer ended the exam.
            var design = await designs.ByKeyAsync(key, cancellationToken);
            var compiled = ExamEngine.Compile(snapshot, design);
            var test = ExamEngine.Create(snapshot, compiled);
            classification = ExamRecords.ClassificationView(compiled, test.Classify(test.Replay(items, responses, null, done)));
        }
        return new AnswerRecorded(attempt.Seq, attempt.ThetaAfter, attempt.SeAfter, proficiency, done, done ? session.StopReason : null, classification, nextItem);
    }

    // The question of an item. One the snapshot already holds (nearly always, and every answer needs one) is taken as
    // it is, without the closure and tasks of a database call.
    private ValueTask<QuestionView> QuestionAsync(BankSnapshot snapshot, long itemId, CancellationToken cancellationToken)
    {
        var question = questions.GetAsync(db, snapshot, itemId, cancellationToken);
        return question.IsCompletedSuccessfully ? question : new(Pg(() => question.AsTask()));
    }

    private static ExamException NotCurrentItem(long itemId) =>
        new(ExamErrorKind.Conflict, "Not the current item", $"Item {itemId} is not the item waiting for an answer; GET /api/adaptive/next gives it.", "itemId");

    private static ItemChoice Choice(BankSnapshot snapshot, ItemSelection selection)
    {
        // A loop rather than Select and ToArray, which cost a closure, a delegate and an iterator on every answer.
        var runnersUp = new ItemChoiceCandidate[selection.RunnersUp.Count];
        for (var k = 0; k < runnersUp.Length; k++)
        {
            var candidate = selection.RunnersUp[k];
            runnersUp[k] = new ItemChoiceCandidate(snapshot.ItemIds[candidate.Item], candidate.Information);
        }
        return new(snapshot.ItemIds[selection.Item], selection.Theta, selection.Information, selection.Rule, selection.Topic, runnersUp);
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static ExamException Invalid(string field, string detail) => new(ExamErrorKind.Invalid, $"Invalid {field}", detail, field);

    private async Task<T?> TryRedis<T>(Func<Task<T>> call)
    {
        if (!redisHealth.IsAvailable) return default;
        try
        {
            var result = await call();
            redisHealth.ReportSuccess();
            return result;
        }
        catch (Exception error) when (RedisHealth.IsRedisFailure(error))
        {
            redisHealth.ReportFailure(error);
            return default;
        }
    }

    private Task TryRedis(Func<Task> call) => TryRedis(async () =>
    {
        await call();
        return true;
    });

    // Runs work in a transaction. A connection that breaks mid-transaction makes the next command throw "Transaction is
    // already completed" with no inner error: that is the database going away, not a bug, so it becomes a 503 too.
    private Task<T> InTransactionAsync<T>(Func<Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        Pg(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            try
            {
                return await work(transaction);
            }
            catch (InvalidOperationException error) when (db.Database.GetDbConnection().State != System.Data.ConnectionState.Open)
            {
                throw new TimeoutException("The database connection was lost during the transaction.", error);
            }
        });

    private static Task<T> Pg<T>(Func<Task<T>> call) => DatabaseCalls.RunAsync(call);

}
