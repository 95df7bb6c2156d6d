using System.Diagnostics;
using System.Globalization;

namespace ExamApi.Telemetry;

/// <summary>
/// The W3C <c>Server-Timing</c> response header: how long ExamApi worked on the request (<c>app</c>, from the first
/// middleware until the response starts) and, when the request rebuilt a session's hot state from PostgreSQL, how long
/// that took (<c>rebuild</c>). A client (loadgen, a browser's network panel) can then tell the server's share of its
/// latency from the network's and its own. Off unless <c>Exam:ServerTiming</c> is true: it tells every caller how long
/// each step took, which an operator may not want to publish.
/// </summary>
internal sealed class ServerTiming
{
    /// <summary>The setting that turns the header on.</summary>
    public const string ConfigurationKey = "Exam:ServerTiming";

    // The request being timed, where the code that records a step (below the API layer, through IExamFlowObserver)
    // has no HttpContext. Null when the header is off, so recording costs a read.
    private static readonly AsyncLocal<ServerTiming?> Current = new();

    private readonly long began = Stopwatch.GetTimestamp();
    private TimeSpan? rebuild;

    /// <summary>Adds the header to every response when <see cref="ConfigurationKey"/> is true.</summary>
    public static WebApplication Use(WebApplication app)
    {
        if (!app.Configuration.GetValue<bool>(ConfigurationKey)) return app;
        app.Use(static (context, next) =>
        {
            var timing = new ServerTiming();
            Current.Value = timing;
            context.Response.OnStarting(static state =>
            {
                var (timing, response) = ((ServerTiming, HttpResponse))state;
                response.Headers["Server-Timing"] = timing.Header();
                return Task.CompletedTask;
            }, (timing, context.Response));
            return next(context);
        });
        return app;
    }

    /// <summary>Records a rebuild of the current request (the last one, should a request rebuild twice).</summary>
    public static void RecordRebuild(TimeSpan duration)
    {
        if (Current.Value is { } timing) timing.rebuild = duration;
    }

    private string Header()
    {
        var app = Stopwatch.GetElapsedTime(began).TotalMilliseconds;
        return rebuild is { } r
            ? string.Create(CultureInfo.InvariantCulture, $"app;dur={app:0.###}, rebuild;dur={r.TotalMilliseconds:0.###}")
            : string.Create(CultureInfo.InvariantCulture, $"app;dur={app:0.###}");
    }
}

/// <summary>The <c>Server-Timing</c> header in the pipeline.</summary>
internal static class ServerTimingExtensions
{
    /// <inheritdoc cref="ServerTiming.Use"/>
    public static WebApplication UseServerTiming(this WebApplication app) => ServerTiming.Use(app);
}
