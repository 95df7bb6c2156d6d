namespace LoadGenerator;

/// <summary>Lookups of one practice cache layer: served from Redis (hits) and from Postgres (misses).</summary>
/// <param name="Layer">The layer's name (<c>user-performance</c>, <c>question-sets</c>…).</param>
/// <param name="Hits">Lookups served from Redis.</param>
/// <param name="Misses">Lookups served from Postgres.</param>
public sealed record LayerLookups(string Layer, long Hits, long Misses)
{
    /// <summary>Hits over lookups; null without lookups.</summary>
    public double? HitRate => Hits + Misses == 0 ? null : (double)Hits / (Hits + Misses);
}

/// <summary>The practice cache's lookups as <c>GET /api/cache/stats</c> counts them, over every ExamApi replica.</summary>
internal static class CacheLookups
{
    /// <summary>Every replica's lookups since it started, summed per layer.</summary>
    public static async Task<IReadOnlyList<LayerLookups>> ReadAsync(ExamApiClient client, CancellationToken cancellationToken)
    {
        var totals = new List<LayerLookups>();
        for (var replica = 0; replica < client.Replicas; replica++)
        {
            var result = await client.CacheStatsAsync(replica, cancellationToken);
            if (!result.Succeeded) throw new InvalidOperationException($"Reading the cache statistics failed: {result.Status} {result.ProblemTitle}.");
            foreach (var layer in result.Body!.Layers)
            {
                var index = totals.FindIndex(t => t.Layer == layer.Layer);
                var (hits, misses) = index < 0 ? (0L, 0L) : (totals[index].Hits, totals[index].Misses);
                var sum = new LayerLookups(layer.Layer, hits + layer.SinceStart.Hits, misses + layer.SinceStart.Misses);
                if (index < 0) totals.Add(sum);
                else totals[index] = sum;
            }
        }
        return totals;
    }

    /// <summary>The lookups between two readings, per layer.</summary>
    public static IReadOnlyList<LayerLookups> Delta(IReadOnlyList<LayerLookups> before, IReadOnlyList<LayerLookups> after) =>
        [.. after.Select(layer => before.FirstOrDefault(b => b.Layer == layer.Layer) is { } earlier
            ? new LayerLookups(layer.Layer, layer.Hits - earlier.Hits, layer.Misses - earlier.Misses)
            : layer)];
}
