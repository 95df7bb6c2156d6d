using System.Diagnostics;

namespace LoadGenerator.Practice;

/// <summary>One timed generation: the session, its client-side time in Stopwatch ticks, and the server's lookups during it.</summary>
internal sealed record TimedGeneration(PracticeStartResponse Session, long Ticks, IReadOnlyList<LayerLookups> Lookups);

/// <summary>Sends a generation request cold (the student's and the subject's cache entries cleared first) or warm.</summary>
internal sealed class GenerationPair(ExamApiClient client, string studentId, string subject)
{
    /// <summary>Clears the student's and the subject's entries, then generates.</summary>
    public async Task<TimedGeneration> ColdAsync(PracticeStartRequest request, CancellationToken cancellationToken)
    {
        await ClearAsync(new CacheClearRequest(studentId, null), cancellationToken);
        await ClearAsync(new CacheClearRequest(null, subject), cancellationToken);
        return await GenerateAsync(request, cancellationToken);
    }

    /// <summary>Generates with the cache as the previous generation left it (filled).</summary>
    public Task<TimedGeneration> WarmAsync(PracticeStartRequest request, CancellationToken cancellationToken) => GenerateAsync(request, cancellationToken);

    private async Task<TimedGeneration> GenerateAsync(PracticeStartRequest request, CancellationToken cancellationToken)
    {
        var before = await CacheLookups.ReadAsync(client, cancellationToken);
        var began = Stopwatch.GetTimestamp();
        var result = await client.StartPracticeAsync(request, cancellationToken);
        var ticks = Stopwatch.GetTimestamp() - began;
        if (!result.Succeeded) throw new InvalidOperationException($"A practice generation failed: {result.Status} {result.ProblemTitle}.");
        var lookups = CacheLookups.Delta(before, await CacheLookups.ReadAsync(client, cancellationToken));
        return new TimedGeneration(result.Body!, ticks, lookups);
    }

    private async Task ClearAsync(CacheClearRequest request, CancellationToken cancellationToken)
    {
        var result = await client.ClearCacheAsync(request, cancellationToken);
        if (!result.Succeeded) throw new InvalidOperationException($"Clearing the cache failed: {result.Status} {result.ProblemTitle}.");
    }
}
