namespace AppHost.Hosting.Resources;

/// <summary>
/// The environment a project's replica receives, exactly as ASPIRE_CONTRACT.md lists it: the same for every replica of
/// a project except its own URL and instance id.
/// </summary>
internal static class ProjectEnvironment
{
    public static Dictionary<string, string> Build(ProjectReplica replica, HostingContext context)
    {
        var project = replica.Project;
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_URLS"] = replica.Endpoint!,
            ["ASPNETCORE_ENVIRONMENT"] = context.Options.EnvironmentName,
            ["DOTNET_ENVIRONMENT"] = context.Options.EnvironmentName,
            ["OTEL_SERVICE_NAME"] = project.Name,
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={replica.Name}-{Guid.NewGuid().ToString("N")[..8]}",
            ["LOGGING__CONSOLE__FORMATTERNAME"] = "simple",
            ["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "true",
        };

        var otlpEndpoint = context.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (!string.IsNullOrWhiteSpace(otlpEndpoint))
        {
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlpEndpoint;
            environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
            if (context.Options.EnvironmentName == "Development")
            {
                // Aspire's development settings: telemetry shows up within a second instead of after the SDK defaults.
                environment["OTEL_BSP_SCHEDULE_DELAY"] = "1000";
                environment["OTEL_BLRP_SCHEDULE_DELAY"] = "1000";
                environment["OTEL_METRIC_EXPORT_INTERVAL"] = "1000";
                environment["OTEL_TRACES_SAMPLER"] = "always_on";
            }
        }

        foreach (var reference in project.References)
        {
            switch (reference)
            {
                case IResourceWithConnectionString resource:
                    environment[$"ConnectionStrings__{resource.Name}"] = resource.ConnectionString
                        ?? throw new InvalidOperationException($"'{resource.Name}' has no connection string yet.");
                    var prefix = resource.Name.ToUpperInvariant().Replace('-', '_');
                    foreach (var (property, value) in resource.ConnectionProperties)
                    {
                        environment[$"{prefix}_{property}"] = value;
                    }

                    break;
                case ProjectResource service:
                    // One entry per replica, as service discovery lists a service's endpoints; the single-URL variable
                    // can name only one, replica 0.
                    foreach (var serviceReplica in service.Replicas)
                    {
                        environment[$"services__{service.Name}__http__{serviceReplica.Index}"] = serviceReplica.ResolveEndpoint(context);
                    }

                    environment[$"{service.Name.ToUpperInvariant().Replace('-', '_')}_HTTP"] = service.Replicas[0].ResolveEndpoint(context);
                    break;
            }
        }

        foreach (var (key, value) in project.ExtraEnvironment)
        {
            environment[key] = value;
        }

        foreach (var (key, parameter) in project.ParameterEnvironment)
        {
            environment[key] = parameter.Resolve(context.Configuration);
        }

        return environment;
    }
}
