using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AppHost;

/// <summary>
/// One console line once every resource is healthy (with how long the graph took) or the first one that failed,
/// plus where to reach ExamApi and find the admin key: what a developer looks for before opening the dashboard. While
/// the graph is not healthy, every <see cref="ProgressInterval"/> a line names what it still waits for and why.
/// </summary>
public static class StartupSummary
{
    /// <summary>How often a graph that is not yet healthy says what it waits for (a warm start takes 10–16 s).</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(30);

    /// <summary>Logs the summary in run mode, when every resource of the graph is healthy.</summary>
    public static void LogWhenHealthy(this IDistributedApplicationBuilder builder, IResourceBuilder<ProjectResource> api)
    {
        if (!builder.ExecutionContext.IsRunMode) return;
        builder.Eventing.Subscribe<AfterResourcesCreatedEvent>((e, cancellationToken) =>
        {
            var logger = e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AppHost");
            var notifications = e.Services.GetRequiredService<ResourceNotificationService>();
            var stopping = e.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            // What the graph declared: not its parameters, not what Aspire adds and hides (the dashboard, project rebuilders).
            var resources = e.Model.Resources
                .Where(resource => resource is not ParameterResource and not ConnectionStringResource && !resource.Annotations.OfType<HiddenAnnotation>().Any())
                .ToList();
            _ = Task.Run(() => WaitAndLogAsync(logger, notifications, resources, api.Resource, stopping), stopping);
            return Task.CompletedTask;
        });
    }

    private static async Task WaitAndLogAsync(
        ILogger logger, ResourceNotificationService notifications, IReadOnlyList<IResource> resources, ProjectResource api, CancellationToken stopping)
    {
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var latest = new ConcurrentDictionary<string, ResourceEvent>(StringComparer.Ordinal);
        var watch = WatchAsync(notifications, latest, watching.Token);
        try
        {
            var healthy = Task.WhenAll(resources.Select(resource => notifications.WaitForResourceHealthyAsync(resource.Name, stopping)));
            while (await Task.WhenAny(healthy, Task.Delay(ProgressInterval, stopping)) != healthy)
            {
                stopping.ThrowIfCancellationRequested();
                logger.LogWarning("{Seconds:F0} s after the AppHost started, still waiting for {Waiting}",
                    SinceStart().TotalSeconds, string.Join("; ", latest.Values.Where(change => resources.Contains(change.Resource)).Select(Waiting).OfType<string>().Order(StringComparer.Ordinal)));
            }

            await healthy;
            logger.LogInformation(
                "All {Count} resources are healthy, {Seconds:F1} s after the AppHost started. ExamApi: {Url} (OpenAPI /openapi/v1.json, " +
                "Swagger UI /swagger). The admin key (X-Api-Key) is the admin-key parameter: in the dashboard, or dotnet user-secrets list --project AppHost",
                resources.Count, SinceStart().TotalSeconds, api.GetEndpoint("http").Url);
        }
        catch (DistributedApplicationException failed)
        {
            logger.LogError("The graph did not start: {Reason} See the resource's console log in the dashboard.", failed.Message);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            await watching.CancelAsync();
            await watch;
        }
    }

    private static async Task WatchAsync(ResourceNotificationService notifications, ConcurrentDictionary<string, ResourceEvent> latest, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var change in notifications.WatchAsync(cancellationToken)) latest[change.ResourceId] = change;
        }
        catch (OperationCanceledException)
        {
        }
    }

    // An instance that is not healthy yet, with its state and each health check that does not pass (null when healthy).
    private static string? Waiting(ResourceEvent change)
    {
        var snapshot = change.Snapshot;
        if (snapshot.HealthStatus == HealthStatus.Healthy) return null;
        var checks = snapshot.HealthReports.Where(report => report.Status != HealthStatus.Healthy)
            .Select(report => $"{report.Name}: {report.Status?.ToString() ?? "not run yet"}{(report.Description is { Length: > 0 } why ? $" ({why})" : "")}");
        return $"{change.ResourceId} ({string.Join(", ", new[] { snapshot.State?.Text ?? "not started" }.Concat(checks))})";
    }

    private static TimeSpan SinceStart() => DateTime.Now - Process.GetCurrentProcess().StartTime;
}
