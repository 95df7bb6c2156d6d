using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace ServiceDefaults.Telemetry;

/// <summary>
/// Gives ASP.NET Core's server spans the names OpenTelemetry's instrumentation package would (<c>GET /route/{id}</c>,
/// <c>http.route</c>, status code) and drops the spans of health probes, which would otherwise flood the traces.
/// </summary>
internal sealed class ServerSpanStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            var activity = context.Features.Get<IHttpActivityFeature>()?.Activity;
            if (activity is null)
            {
                await nextMiddleware(context);
                return;
            }

            if (IsHealthProbe(context.Request.Path))
            {
                activity.IsAllDataRequested = false;
                activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
            }

            try
            {
                await nextMiddleware(context);
            }
            finally
            {
                if (activity.IsAllDataRequested)
                {
                    NameAfterRoute(activity, context);
                }
            }
        });
        next(app);
    };

    private static bool IsHealthProbe(PathString path) =>
        path.StartsWithSegments(ServiceDefaultsExtensions.HealthEndpointPath)
        || path.StartsWithSegments(ServiceDefaultsExtensions.AlivenessEndpointPath);

    private static void NameAfterRoute(Activity activity, HttpContext context)
    {
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        if (route is not null)
        {
            activity.DisplayName = $"{context.Request.Method} {route}";
            activity.SetTag("http.route", route);
        }

        activity.SetTag("http.response.status_code", context.Response.StatusCode);
        if (context.Response.StatusCode >= 500)
        {
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }
}
