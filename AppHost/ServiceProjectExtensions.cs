using System.Reflection;
using System.Runtime.Versioning;

namespace AppHost;

/// <summary>How the graph runs its own .NET projects on a developer machine, a test host or a benchmark.</summary>
public static class ServiceProjectExtensions
{
    /// <summary>
    /// In run mode: start the project's build output (<c>dotnet bin/&lt;Configuration&gt;/&lt;tfm&gt;/X.dll</c>, built with the
    /// AppHost) instead of Aspire's <c>dotnet run --no-build --project X</c>, which keeps a second .NET process (~150 MB)
    /// in front of every service for its whole life, adds 1–2 s of project evaluation to each start, and makes the
    /// process id Aspire reports that wrapper's, so a SIGKILL to it would leave the service running. Aspire sets
    /// <c>OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY=in_memory</c>; at shutdown the dashboard, the OTLP collector, is gone
    /// first and each service's exporter would retry for 10–15 s, so in run mode the variable is removed. The services run
    /// in the AppHost's environment (Development under <c>dotnet run</c> and the tests), whatever the shell says.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithLocalRunDefaults(this IResourceBuilder<ProjectResource> project)
    {
        var builder = project.ApplicationBuilder;
        if (!builder.ExecutionContext.IsRunMode) return project;

        project.WithEnvironment("ASPNETCORE_ENVIRONMENT", builder.Environment.EnvironmentName);
        project.WithEnvironment(context => context.EnvironmentVariables.Remove("OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY"));

        var projectPath = project.Resource.GetProjectMetadata().ProjectPath;
        var configuration = builder.AppHostAssembly?.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration;
        var framework = builder.AppHostAssembly?.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName;
        if (configuration is null || framework is null) return project;

        // The services share the AppHost's configuration and target framework (Directory.Build.props).
        var directory = Path.GetDirectoryName(projectPath)!;
        var output = Path.Combine(directory, "bin", configuration, $"net{new FrameworkName(framework).Version.ToString(2)}",
            Path.GetFileNameWithoutExtension(projectPath) + ".dll");
        if (!File.Exists(output)) return project;
        return project
            .WithAnnotation(new ExecutableAnnotation { Command = "dotnet", WorkingDirectory = directory })
            .WithArgs(output);
    }
}
