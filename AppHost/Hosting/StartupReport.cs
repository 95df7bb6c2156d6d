using System.Text;
using AppHost.Hosting.Resources;
using Microsoft.Extensions.Configuration;

namespace AppHost.Hosting;

/// <summary>
/// The table printed once the graph has settled: resources, state, health, endpoints; then how a developer connects
/// to each server. Secrets stay in their 0600 files: the commands read them into environment variables, never onto
/// a command line.
/// </summary>
internal static class StartupReport
{
    public static string Render(DistributedApplication app, IReadOnlyList<ParameterResource> parameters, IConfiguration configuration)
    {
        var rows = app.Resources.Select(resource => resource.Snapshot()).ToList();
        var nameWidth = Math.Max(8, rows.Max(row => row.Name.Length));
        var kindWidth = Math.Max(4, rows.Max(row => row.Kind.Length));
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine($"{"Resource".PadRight(nameWidth)}  {"Kind".PadRight(kindWidth)}  {"State",-13}  {"Health",-9}  Endpoint");
        foreach (var row in rows)
        {
            text.AppendLine($"{row.Name.PadRight(nameWidth)}  {row.Kind.PadRight(kindWidth)}  {row.State,-13}  {row.Health,-9}  {row.Endpoint}");
        }

        text.AppendLine();
        foreach (var resource in app.Resources)
        {
            switch (resource)
            {
                case RedisResource { IsExternal: false, PasswordFile: not null } redis:
                    text.AppendLine($"  {redis.Name}: REDISCLI_AUTH=\"$(cat {redis.PasswordFile})\" redis-cli -h 127.0.0.1 -p {redis.Port}");
                    break;
                case PostgresServerResource { IsExternal: false, PasswordFile: not null } postgres:
                    var password = postgres.PasswordParameter.IsConfigured
                        ? $"the value of Parameters:{postgres.PasswordParameter.Name}"
                        : $"\"$(cat {postgres.PasswordFile})\"";
                    text.AppendLine($"  {postgres.Name}: PGPASSWORD={password} psql -h 127.0.0.1 -p {postgres.Port} -U {postgres.UserName} <database>");
                    text.AppendLine($"  {postgres.Name}: data in {postgres.DataDirectory}");
                    break;
                case ProjectResource { HttpEndpoint: not null } project:
                    text.AppendLine($"  {project.Name}: {project.Endpoint}/health");
                    break;
            }
        }

        foreach (var parameter in parameters)
        {
            text.AppendLine(parameter.IsConfigured
                ? $"  {parameter.Name}: from Parameters:{parameter.Name}"
                : $"  {parameter.Name}: cat {parameter.ValueFile}");
        }

        if (string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            text.AppendLine("  telemetry: no OTEL_EXPORTER_OTLP_ENDPOINT configured, so services export no telemetry");
        }

        return text.ToString();
    }
}
