using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace LoadGenerator;

/// <summary>Progress while a run goes (live on a terminal, a line every 5 s when redirected) and the final report as tables.</summary>
internal static class ConsoleReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Shows progress until <paramref name="run"/> ends: live on <paramref name="console"/>, else lines on <paramref name="plain"/>.</summary>
    public static async Task ShowProgressAsync(IAnsiConsole console, bool live, TextWriter plain, LoadMetrics metrics, Task run)
    {
        var clock = Stopwatch.StartNew();
        var (lastAnswers, lastSeconds, mark) = (0L, 0.0, 0);
        string Line()
        {
            var (answers, seconds) = (metrics.Answers, clock.Elapsed.TotalSeconds);
            // Counts restart when the open loop's settling ends.
            if (answers < lastAnswers) (lastAnswers, mark) = (0, 0);
            var rate = seconds > lastSeconds ? (answers - lastAnswers) / (seconds - lastSeconds) : 0;
            (lastAnswers, lastSeconds) = (answers, seconds);
            // Since the previous line: shows when in a run the slow answers happened.
            var window = metrics.Since(ExamEndpoint.Answer, ref mark);
            var practice = metrics.PracticeStarted == 0 ? string.Empty
                : string.Create(Invariant, $", {metrics.PracticeStarted:N0} practice sessions ({metrics.PracticeAnswers:N0} answers)");
            return string.Create(Invariant,
                $"[{seconds,6:F1} s] {metrics.Phase}: {answers:N0} answers ({rate:N0}/s, p99 {window.P99Ms:F1} ms), {metrics.ExamsStarted:N0} exams started, {metrics.ExamsCompleted:N0} completed{practice}, {metrics.Errors:N0} errors, {metrics.ConnectionRetries:N0} connection retries");
        }

        if (!live)
        {
            while (await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(5))) != run) await plain.WriteLineAsync(Line());
            return;
        }

        await console.Live(new Text(string.Empty)).StartAsync(async context =>
        {
            while (await Task.WhenAny(run, Task.Delay(TimeSpan.FromMilliseconds(500))) != run)
            {
                context.UpdateTarget(new Text(Line()));
            }
        });
    }

    /// <summary>Writes the report as tables.</summary>
    public static void Write(IAnsiConsole console, LoadReport report)
    {
        var summary = Table("Load", "value");
        summary.AddRow("mode", report.Mode == "open"
            ? string.Create(Invariant, $"open loop, {report.Options.Rate:N0} answers/s scheduled for {report.Options.Duration.TotalSeconds:N0} s")
            : string.Create(Invariant, $"closed loop, concurrency {report.Options.Concurrency}, {report.ExamsStarted:N0} examinees"));
        summary.AddRow("target", Markup.Escape(string.Join(", ", report.BaseUrls)));
        summary.AddRow("load phase", Seconds(report.LoadSeconds) + (report.LoadAverage is [var before, var after]
            ? string.Create(Invariant, $" (machine load average {before:F1} → {after:F1})")
            : string.Empty));
        summary.AddRow("answers", string.Create(Invariant, $"{report.Answers:N0} ({report.AnswersPerSecond:N0}/s)"));
        summary.AddRow("exams completed", string.Create(Invariant, $"{report.ExamsCompleted:N0} ({report.ExamsPerSecond:N1}/s)"));
        if (report.Practice is { } mix)
        {
            summary.AddRow("practice sessions completed", string.Create(Invariant, $"{mix.SessionsCompleted:N0} ({mix.SessionsPerSecond:N1}/s) of {mix.SessionsStarted:N0} generated"));
            summary.AddRow("practice answers", string.Create(Invariant, $"{mix.Answers:N0} ({mix.AnswersPerSecond:N0}/s)"));
        }
        summary.AddRow("retries", string.Create(Invariant, $"{report.ConnectionRetries:N0} on another URL, {report.TransientRetries:N0} after a transient refusal"));
        if (report.OpenLoop is { } open)
            summary.AddRow("open loop", string.Create(Invariant, $"{open.Scheduled:N0} scheduled, pool {open.PoolSize:N0} sessions, {open.Starved:N0} waited for a session"));
        summary.AddRow("rows written", string.Create(Invariant, $"{report.Rows.Attempts:N0} attempts, {report.Rows.Sessions:N0} sessions"));
        if (report.PgBench is { } pgbench)
            summary.AddRow("pgbench single insert", string.Create(Invariant, $"{pgbench.Tps:N0} tps ({pgbench.Durability}); answers/s = {report.AnswersPerPgBenchTps:P1} of it"));
        if (report.PgBenchError is { } pgbenchError) summary.AddRow("pgbench single insert", "failed: " + Markup.Escape(pgbenchError));
        if (report.CpuMicrosecondsPerAnswer is { } cpu)
        {
            var server = cpu.Where(group => group.Key is "examapi" or "cache" or "postgres").Sum(group => group.Value);
            summary.AddRow(report.Practice is null ? "CPU per answer" : "CPU per answer (exam or practice)", Markup.Escape(string.Create(Invariant,
                $"server {server:N0} µs (") + string.Join(", ", cpu.Select(group => string.Create(Invariant, $"{group.Key} {group.Value:N0}"))) + " µs)"));
        }
        if (report.ServerWorkPerAnswer is { } work)
        {
            summary.AddRow("PostgreSQL per answer", string.Create(Invariant,
                $"{work.WalBytes:N0} B WAL, {work.WalSyncs:0.###} WAL flushes, {work.StoredBytes:N0} B stored; connections peak {work.PostgresConnectionsPeak}, busy {work.PostgresConnectionsBusyMean:0.0} on average"));
            summary.AddRow("Redis per answer", string.Create(Invariant,
                $"{work.RedisCommands:0.0} commands, {work.RedisBytesIn:N0} B in, {work.RedisBytesOut:N0} B out"));
        }
        console.Write(summary);

        var latency = Table("Latency (ms)", "count", "p50", "p95", "p99", "max", "mean");
        foreach (var (endpoint, l) in report.Latency)
        {
            latency.AddRow(endpoint, l.Count.ToString("N0", Invariant), Ms(l.P50Ms), Ms(l.P95Ms), Ms(l.P99Ms), Ms(l.MaxMs), Ms(l.MeanMs));
            // The server's own share, from its Server-Timing header, when it sends one.
            if (report.ServerLatency.GetValueOrDefault(endpoint) is { } s)
                latency.AddRow("  of it in ExamApi", s.Count.ToString("N0", Invariant), Ms(s.P50Ms), Ms(s.P95Ms), Ms(s.P99Ms), Ms(s.MaxMs), Ms(s.MeanMs));
        }
        console.Write(latency);

        if (report.Errors.Count > 0)
        {
            var errors = Table("Errors", "count", "first said");
            foreach (var (key, count) in report.Errors)
                errors.AddRow(Markup.Escape(key), count.ToString("N0", Invariant), Markup.Escape(report.ErrorExamples.GetValueOrDefault(key) ?? string.Empty));
            console.Write(errors);
        }

        if (report.Hold is { } hold)
        {
            var table = Table("Redis hold", "value");
            table.AddRow("sessions held", string.Create(Invariant, $"{hold.Sessions:N0} × {hold.AnswersEach} answers"));
            table.AddRow("used_memory", string.Create(Invariant, $"{hold.UsedMemoryBefore:N0} → {hold.UsedMemoryAfter:N0} B"));
            table.AddRow("bytes per active session", hold.BytesPerSession.ToString("N0", Invariant));
            table.AddRow("activity index entries", string.Create(Invariant, $"{hold.ActiveIndexBefore:N0} → {hold.ActiveIndexAfter:N0}"));
            table.AddRow("one state value", string.Create(Invariant, $"STRLEN {hold.StateValueBytes} B, MEMORY USAGE {(hold.StateKeyMemoryUsage is { } m ? m.ToString(Invariant) + " B" : "n/a")}"));
            table.AddRow("question cache keys added", hold.QuestionKeysAdded.ToString("N0", Invariant));
            table.AddRow("rebuild from Postgres", string.Create(Invariant, $"{hold.Rebuild.Count:N0} status reads (after {HoldMeasurement.RebuildWarmup} untimed): p50 {hold.Rebuild.P50Ms:0.00} ms, p99 {hold.Rebuild.P99Ms:0.00} ms, max {hold.Rebuild.MaxMs:0.00} ms"));
            if (hold.ServerRebuild.Count > 0)
                table.AddRow("  the rebuild in ExamApi", string.Create(Invariant, $"{hold.ServerRebuild.Count:N0} rebuilds: p50 {hold.ServerRebuild.P50Ms:0.00} ms, p99 {hold.ServerRebuild.P99Ms:0.00} ms, max {hold.ServerRebuild.MaxMs:0.00} ms"));
            console.Write(table);
        }

        if (report.Practice is { } practice)
        {
            console.Write(LookupTable("Practice cache lookups in the load phase", practice.Cache));
            var p = practice.Verification;
            var table = Table(p.Passed ? "Practice verification: passed" : "[red]Practice verification: FAILED[/]", "count");
            table.AddRow("sessions", string.Create(Invariant, $"{p.Sessions:N0} ({p.MissingSessions} without a row)"));
            table.AddRow("acknowledged answers", p.AcknowledgedAnswers.ToString("N0", Invariant));
            table.AddRow("found", p.Found.ToString("N0", Invariant));
            table.AddRow("missing / mismatched / unacknowledged rows", $"{p.Missing} / {p.Mismatched} / {p.ExtraRows}");
            table.AddRow("completed (not stored as completed)", string.Create(Invariant, $"{p.Completed:N0} ({p.NotCompleted})"));
            console.Write(table);
            foreach (var problem in p.Problems) console.MarkupLine($"[red]{Markup.Escape(problem)}[/]");
        }

        var v = report.Verification;
        var verification = Table(v.Passed ? "Verification: passed" : "[red]Verification: FAILED[/]", "count");
        verification.AddRow("sessions", string.Create(Invariant, $"{v.Sessions:N0} ({v.MissingSessions} without a row)"));
        verification.AddRow("acknowledged answers", v.AcknowledgedAnswers.ToString("N0", Invariant));
        verification.AddRow("found exactly once", v.Found.ToString("N0", Invariant));
        verification.AddRow("missing / mismatched / duplicated / unacknowledged rows", $"{v.Missing} / {v.Mismatched} / {v.Duplicates} / {v.ExtraRows}");
        verification.AddRow("completed exams replayed (θ/SE mismatches)", string.Create(Invariant, $"{v.CompletedExamsChecked:N0} ({v.FinalThetaMismatches})"));
        verification.AddRow("acknowledged θ replayed (mismatches)", string.Create(Invariant, $"{v.AnswerThetaChecked:N0} ({v.AnswerThetaMismatches})"));
        console.Write(verification);
        foreach (var problem in v.Problems) console.MarkupLine($"[red]{Markup.Escape(problem)}[/]");
        if (report.DashboardExamApiTraces is { } traces) console.MarkupLine($"telemetry: {Telemetry(traces)}");
    }

    /// <summary>What reached the Aspire dashboard of a graph started with it, in red when nothing did.</summary>
    public static string Telemetry(int examApiTraces) => examApiTraces > 0
        ? string.Create(Invariant, $"exported to the dashboard ({examApiTraces:N0} ExamApi traces seen)")
        : "[red]FAILED: no ExamApi trace reached the dashboard within 30 s of the run's end[/]";

    /// <summary>Hits, misses and hit rate per practice cache layer.</summary>
    public static Table LookupTable(string title, IReadOnlyList<LayerLookups> layers)
    {
        var table = Table(title, "hits", "misses", "hit rate");
        foreach (var layer in layers)
            table.AddRow(layer.Layer, layer.Hits.ToString("N0", Invariant), layer.Misses.ToString("N0", Invariant), layer.HitRate is { } rate ? rate.ToString("P1", Invariant) : "–");
        return table;
    }

    /// <summary>A rounded table with a title column and right-aligned value columns.</summary>
    public static Table Table(string title, params string[] columns)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn(new TableColumn(title));
        foreach (var column in columns) table.AddColumn(new TableColumn(column).RightAligned());
        return table;
    }

    /// <summary>Milliseconds with two decimals below 10, one above.</summary>
    public static string Ms(double value) => value.ToString(value < 10 ? "F2" : "F1", Invariant);

    private static string Seconds(double value) => value.ToString("F1", Invariant) + " s";
}
