using System.Diagnostics;

namespace LoadGenerator.Tests;

/// <summary>The pieces of the report that are pure arithmetic or parsing.</summary>
public sealed class ReportMathTests
{
    [Fact]
    public void Percentiles_are_nearest_rank_in_milliseconds()
    {
        var ticks = Enumerable.Range(1, 200).Select(ms => ms * Stopwatch.Frequency / 1000).Reverse().ToArray();

        var summary = LatencySummary.FromTicks(ticks);

        Assert.Equal(200, summary.Count);
        Assert.Equal(100, summary.P50Ms, 6);
        Assert.Equal(190, summary.P95Ms, 6);
        Assert.Equal(198, summary.P99Ms, 6);
        Assert.Equal(200, summary.MaxMs, 6);
        Assert.Equal(100.5, summary.MeanMs, 6);
    }

    [Fact]
    public void Pgbench_tps_is_read_from_its_report()
    {
        const string output = """
            transaction type: /tmp/single-insert.sql
            number of clients: 16
            number of transactions actually processed: 93124
            latency average = 1.718 ms
            initial connection time = 21.930 ms
            tps = 9312.412345 (without initial connection time)
            """;

        Assert.Equal(9312.412345, PgBench.ParseTps(output));
        Assert.Null(PgBench.ParseTps("pgbench: error: connection to server failed"));
    }
}
