using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AppHost;

/// <summary>
/// One console line once every resource is healthy (with how long the graph took) or the first one that failed,
/// plus where to reach ExamApi and find the admin key: what a developer looks for before opening the dashboard.
/// </summary>
public static class StartupSummary
{
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
        try
        {
            await Task.WhenAll(resources.Select(resource => notifications.WaitForResourceHealthyAsync(resource.Name, stopping)));
            var since = DateTime.Now - Process.GetCurrentProcess().StartTime;
            logger.LogInformation(
                "All {Count} resources are healthy, {Seconds:F1} s after the AppHost started. ExamApi: {Url} (OpenAPI /openapi/v1.json, " +
                "Swagger UI /swagger). The admin key (X-Api-Key) is the admin-key parameter: in the dashboard, or dotnet user-secrets list --project AppHost",
                resources.Count, since.TotalSeconds, api.GetEndpoint("http").Url);
        }
        catch (DistributedApplicationException failed)
        {
            logger.LogError("The graph did not start: {Reason} See the resource's console log in the dashboard.", failed.Message);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }
}
