using System.Diagnostics.Metrics;

namespace ExamStore.Practice;

/// <summary>Hits and misses of one cache layer, since start and over the last five minutes.</summary>
public sealed record LayerCounts(string Layer, long Hits, long Misses, long RecentHits, long RecentMisses);

/// <summary>
/// Hits and misses per practice cache layer: totals since start, a five-minute sliding window (one bucket a minute),
/// and the same as OpenTelemetry counters (<c>practice.cache.hits</c>, <c>practice.cache.misses</c>, tag
/// <c>layer</c>) on the meter <see cref="MeterName"/>, which also carries the generation latency.
/// </summary>
public sealed class CacheStatistics
{
    /// <summary>The practice meter's name (ExamApi exports it).</summary>
    public const string MeterName = "ExamStore.Practice";

    /// <summary>The practice meter.</summary>
    public static readonly Meter Meter = new(MeterName);

    /// <summary>Length of the recent window.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private static readonly Counter<long> Hits = Meter.CreateCounter<long>("practice.cache.hits", "{lookup}", "Practice cache lookups served from Redis, by layer");
    private static readonly Counter<long> Misses = Meter.CreateCounter<long>("practice.cache.misses", "{lookup}", "Practice cache lookups served from Postgres (absent, unreadable, or Redis unavailable), by layer");

    private readonly TimeProvider _clock;
    private readonly Dictionary<CacheLayer, LayerCounter> _counters;

    /// <summary>Counts from now on.</summary>
    public CacheStatistics(TimeProvider clock)
    {
        _clock = clock;
        _counters = CacheLayer.All.ToDictionary(layer => layer, _ => new LayerCounter());
    }

    /// <summary>A lookup of <paramref name="layer"/> found its entry.</summary>
    public void Hit(CacheLayer layer)
    {
        _counters[layer].Add(Minute(), hit: true);
        Hits.Add(1, new KeyValuePair<string, object?>("layer", layer.Name));
    }

    /// <summary>A lookup of <paramref name="layer"/> went to Postgres.</summary>
    public void Miss(CacheLayer layer)
    {
        _counters[layer].Add(Minute(), hit: false);
        Misses.Add(1, new KeyValuePair<string, object?>("layer", layer.Name));
    }

    /// <summary>Every layer's counts now.</summary>
    public IReadOnlyList<LayerCounts> Read()
    {
        var minute = Minute();
        return CacheLayer.All.Select(layer => _counters[layer].Read(layer.Name, minute)).ToArray();
    }

    private long Minute() => _clock.GetUtcNow().ToUnixTimeSeconds() / 60;

    // Five one-minute buckets; a bucket whose minute has passed out of the window is reset before it is reused.
    private sealed class LayerCounter
    {
        private readonly Lock _gate = new();
        private readonly long[] _minutes = new long[Buckets];
        private readonly long[] _hits = new long[Buckets];
        private readonly long[] _misses = new long[Buckets];
        private long _totalHits;
        private long _totalMisses;

        private static int Buckets => (int)Window.TotalMinutes;

        public void Add(long minute, bool hit)
        {
            var bucket = (int)(minute % Buckets);
            lock (_gate)
            {
                if (_minutes[bucket] != minute)
                {
                    _minutes[bucket] = minute;
                    _hits[bucket] = 0;
                    _misses[bucket] = 0;
                }
                if (hit)
                {
                    _hits[bucket]++;
                    _totalHits++;
                }
                else
                {
                    _misses[bucket]++;
                    _totalMisses++;
                }
            }
        }

        public LayerCounts Read(string layer, long minute)
        {
            lock (_gate)
            {
                long recentHits = 0, recentMisses = 0;
                for (var bucket = 0; bucket < Buckets; bucket++)
                {
                    if (minute - _minutes[bucket] >= Buckets) continue;
                    recentHits += _hits[bucket];
                    recentMisses += _misses[bucket];
                }
                return new LayerCounts(layer, _totalHits, _totalMisses, recentHits, recentMisses);
            }
        }
    }
}
