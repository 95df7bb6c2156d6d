using System.Diagnostics.Metrics;
using ExamStore.Bank;
using ExamStore.Data;
using ExamStore.HotState;
using ExamStore.Sessions;

namespace ExamApi.Telemetry;

/// <summary>
/// The exam API's metrics (meter "ExamApi"): answers, answer duration, hot-state recoveries, submission-lock
/// conflicts, active sessions (the activity index's size, read from Redis at most every few seconds), and each subject's
/// highest item exposure rate (read from Postgres at most every 30 s). The administrations counted into the exposure
/// rates are ExamStore's counter (meter <see cref="ExposureCounts.MeterName"/>), since the cleanup worker ends exams too.
/// </summary>
internal sealed class ExamMetrics : IExamFlowObserver
{
    /// <summary>The meter's name; ServiceDefaults exports the meter named after the application, which is this one.</summary>
    public const string MeterName = "ExamApi";

    // The gauge is read on every metrics collection; asking Redis each time would add a round trip per export.
    private static readonly TimeSpan ActiveCountMaxAge = TimeSpan.FromSeconds(5);

    // Exposure rates move by one exam's worth at a time; a scrape every few seconds must not become a query each.
    private static readonly TimeSpan ExposureMaxAge = TimeSpan.FromSeconds(30);

    private readonly Counter<long> answers;
    private readonly Histogram<double> answerDuration;
    private readonly Histogram<double> rebuildDuration;
    private readonly Counter<long> recoveries;
    private readonly Counter<long> lockConflicts;
    private readonly SessionStateStore hotState;
    private readonly RedisHealth redisHealth;
    private readonly TimeProvider clock;
    private readonly ItemExposure exposure;
    private long activeSessions;
    private long activeCountReadAt = long.MinValue;
    private int refreshing;
    private IReadOnlyList<(string Subject, double MaxExposureRate)> maxExposureRates = [];
    private long exposureReadAt = long.MinValue;
    private int refreshingExposure;

    public ExamMetrics(IMeterFactory meterFactory, SessionStateStore hotState, RedisHealth redisHealth, TimeProvider clock, ItemExposure exposure)
    {
        this.hotState = hotState;
        this.redisHealth = redisHealth;
        this.clock = clock;
        this.exposure = exposure;
        var meter = meterFactory.Create(MeterName);
        answers = meter.CreateCounter<long>("exam.answers", "{answer}", "Answers processed, by outcome (recorded, replayed, rejected, failed).");
        answerDuration = meter.CreateHistogram<double>("exam.answer.duration", "s", "Time to process one answer request.");
        recoveries = meter.CreateCounter<long>("exam.recoveries", "{rebuild}", "Session hot states rebuilt from Postgres.");
        rebuildDuration = meter.CreateHistogram<double>("exam.rebuild.duration", "s", "Time to rebuild a session's hot state from Postgres (read the session and its attempts, replay them).");
        lockConflicts = meter.CreateCounter<long>("exam.lock.conflicts", "{conflict}", "Answers that found the session's submission lock taken.");
        meter.CreateObservableGauge("exam.sessions.active", ObserveActiveSessions, "{session}", "Sessions in the Redis activity index.");
        meter.CreateObservableGauge("exam.exposure.max_rate", ObserveMaxExposureRates, "1", "Highest item exposure rate of each subject (administrations / ended exams).");
    }

    /// <summary>Records one answer request's outcome and duration.</summary>
    public void AnswerProcessed(string outcome, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("exam.outcome", outcome);
        answers.Add(1, tag);
        answerDuration.Record(duration.TotalSeconds, tag);
    }

    /// <inheritdoc/>
    public void HotStateRebuilt(bool redisAvailable, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("exam.redis", redisAvailable ? "up" : "down");
        recoveries.Add(1, tag);
        rebuildDuration.Record(duration.TotalSeconds, tag);
        ServerTiming.RecordRebuild(duration);
    }

    /// <inheritdoc/>
    public void LockContended() => lockConflicts.Add(1);

    private long ObserveActiveSessions()
    {
        var readAt = Interlocked.Read(ref activeCountReadAt);
        var now = clock.GetTimestamp();
        if ((readAt == long.MinValue || clock.GetElapsedTime(readAt, now) > ActiveCountMaxAge) && redisHealth.IsAvailable
            && Interlocked.CompareExchange(ref refreshing, 1, 0) == 0)
        {
            _ = RefreshActiveCountAsync();
        }
        return Interlocked.Read(ref activeSessions);
    }

    private IEnumerable<Measurement<double>> ObserveMaxExposureRates()
    {
        var readAt = Interlocked.Read(ref exposureReadAt);
        if ((readAt == long.MinValue || clock.GetElapsedTime(readAt) > ExposureMaxAge) && Interlocked.CompareExchange(ref refreshingExposure, 1, 0) == 0)
        {
            _ = RefreshMaxExposureRatesAsync();
        }
        return Volatile.Read(ref maxExposureRates).Select(r => new Measurement<double>(r.MaxExposureRate, new KeyValuePair<string, object?>("subject", r.Subject)));
    }

    // Like the active count: refreshed in the background, the last read served meanwhile. A failed read is retried at
    // the next scrape rather than after the full interval.
    private async Task RefreshMaxExposureRatesAsync()
    {
        try
        {
            Volatile.Write(ref maxExposureRates, await exposure.MaxExposureRatesAsync());
            Interlocked.Exchange(ref exposureReadAt, clock.GetTimestamp());
        }
        catch (Exception error) when (DatabaseFailures.IsUnavailable(error))
        {
            // Postgres is down: the health checks say so; the gauge keeps its last values.
        }
        finally
        {
            Volatile.Write(ref refreshingExposure, 0);
        }
    }

    // The gauge callback must not block, so the count is refreshed in the background and served from the last read.
    private async Task RefreshActiveCountAsync()
    {
        try
        {
            Interlocked.Exchange(ref activeSessions, await hotState.ActiveCountAsync());
            Interlocked.Exchange(ref activeCountReadAt, clock.GetTimestamp());
            redisHealth.ReportSuccess();
        }
        catch (Exception error) when (RedisHealth.IsRedisFailure(error))
        {
            redisHealth.ReportFailure(error);
        }
        finally
        {
            Volatile.Write(ref refreshing, 0);
        }
    }
}
