namespace AppHost.Hosting.Resources;

/// <summary>The environment a project receives, exactly as ASPIRE_CONTRACT.md lists it.</summary>
internal static class ProjectEnvironment
{
    public static Dictionary<string, string> Build(ProjectResource project, HostingContext context)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_URLS"] = project.Endpoint!,
            ["ASPNETCORE_ENVIRONMENT"] = context.Options.EnvironmentName,
            ["DOTNET_ENVIRONMENT"] = context.Options.EnvironmentName,
            ["OTEL_SERVICE_NAME"] = project.Name,
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={project.Name}-{Guid.NewGuid().ToString("N")[..8]}",
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
                    environment[$"services__{service.Name}__http__0"] = service.Endpoint!;
                    environment[$"{service.Name.ToUpperInvariant().Replace('-', '_')}_HTTP"] = service.Endpoint!;
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
