using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace ServiceDefaults.Tests;

/// <summary>The OTLP exporter: registered only when OTEL_EXPORTER_OTLP_ENDPOINT is set, over the protocol the environment names.</summary>
public sealed class OtlpExporterTests
{
    private const string ApplicationName = "ServiceDefaults.OtlpProbe";
    private static readonly TimeSpan ExportTimeout = TimeSpan.FromSeconds(10);

    [Theory]
    // What Aspire sets for its dashboard.
    [InlineData("grpc", "/opentelemetry.proto.collector.trace.v1.TraceService/Export", "application/grpc", "HTTP/2")]
    [InlineData("http/protobuf", "/v1/traces", "application/x-protobuf", "HTTP/1.1")]
    public async Task WithAnEndpointSpansGoToItOverTheConfiguredProtocol(string protocol, string path, string contentType, string httpVersion)
    {
        await using var collector = await OtlpCollector.StartAsync(httpVersion == "HTTP/2" ? HttpProtocols.Http2 : HttpProtocols.Http1);
        await using var app = await StartServiceAsync(new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol,
        });

        RecordSpanAndFlush(app);

        var request = await collector.NextTraceExportAsync().AsTask().WaitAsync(ExportTimeout);
        Assert.Equal(path, request.Path);
        Assert.Equal(contentType, request.ContentType);
        Assert.Equal(httpVersion, request.Protocol);
    }

    [Fact]
    public async Task WithoutTheEndpointNothingIsExportedEvenWhereASignalEndpointIsSet()
    {
        // An OTLP exporter, had one been registered, would send traces to the signal-specific endpoint.
        await using var collector = await OtlpCollector.StartAsync(HttpProtocols.Http1);
        await using var app = await StartServiceAsync(new()
        {
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = new Uri(collector.Endpoint, "/v1/traces").ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        });

        RecordSpanAndFlush(app);

        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(0, collector.TraceExports);
    }

    private static async Task<WebApplication> StartServiceAsync(Dictionary<string, string> environment)
    {
        var builder = ServiceHost.CreateBuilder(ApplicationName);
        foreach (var (key, value) in environment)
        {
            builder.Configuration[key] = value;
        }

        builder.AddServiceDefaults();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        return app;
    }

    private static void RecordSpanAndFlush(WebApplication app)
    {
        using (var source = new ActivitySource(ApplicationName))
        using (var activity = source.StartActivity("probe.export"))
        {
            Assert.NotNull(activity);
        }

        app.Services.GetRequiredService<TracerProvider>().ForceFlush((int)ExportTimeout.TotalMilliseconds);
    }

    /// <summary>Requests received by <see cref="OtlpCollector"/>.</summary>
    private sealed record ExportRequest(string Path, string? ContentType, string Protocol);

    /// <summary>
    /// Stands in for an OTLP receiver on a loopback port: records each trace export request and acknowledges it with
    /// an empty success response (a gRPC message frame and grpc-status 0, or an empty protobuf body).
    /// </summary>
    private sealed class OtlpCollector : IAsyncDisposable
    {
        private readonly WebApplication server;
        private readonly Channel<ExportRequest> traceExports = Channel.CreateUnbounded<ExportRequest>();
        private int traceExportCount;

        private OtlpCollector(HttpProtocols protocols)
        {
            var builder = ServiceHost.CreateLoopbackBuilder(protocols);
            server = builder.Build();
            server.Run(async context =>
            {
                var path = context.Request.Path.Value ?? "";
                if (path.Contains("trace", StringComparison.OrdinalIgnoreCase))
                {
                    Interlocked.Increment(ref traceExportCount);
                    traceExports.Writer.TryWrite(new ExportRequest(path, context.Request.ContentType, context.Request.Protocol));
                }

                await context.Request.Body.CopyToAsync(Stream.Null);
                if (context.Request.ContentType == "application/grpc")
                {
                    context.Response.ContentType = "application/grpc";
                    await context.Response.Body.WriteAsync(new byte[5]);
                    context.Response.AppendTrailer("grpc-status", "0");
                }
                else
                {
                    context.Response.ContentType = "application/x-protobuf";
                }
            });
        }

        public Uri Endpoint => server.Address();

        public int TraceExports => Volatile.Read(ref traceExportCount);

        public static async Task<OtlpCollector> StartAsync(HttpProtocols protocols)
        {
            var collector = new OtlpCollector(protocols);
            await collector.server.StartAsync();
            return collector;
        }

        public ValueTask<ExportRequest> NextTraceExportAsync() => traceExports.Reader.ReadAsync();

        public ValueTask DisposeAsync() => server.DisposeAsync();
    }
}
