using System.Text;
using AppHost.Hosting.Resources;
using Microsoft.Extensions.Configuration;

namespace AppHost.Hosting;

/// <summary>
/// The table printed once the graph has settled: resources, state, health, endpoints (a replicated project's replicas
/// on indented rows of their own); then how a developer connects to each server, and the parameters: a non-secret one
/// (the admin key) with its value, a secret one with where to read it. Secrets stay in their 0600 files: the commands
/// read them into environment variables, never onto a command line.
/// </summary>
internal static class StartupReport
{
    public static string Render(DistributedApplication app, IReadOnlyList<ParameterResource> parameters, IConfiguration configuration)
    {
        var rows = new List<(string Name, ResourceSnapshot Snapshot, string? Endpoint)>();
        foreach (var snapshot in app.Resources.Select(resource => resource.Snapshot()))
        {
            if (snapshot.Replicas.Count > 1)
            {
                rows.Add((snapshot.Name, snapshot, $"{snapshot.Replicas.Count} replicas"));
                rows.AddRange(snapshot.Replicas.Select(replica => ("  " + replica.Name, replica, replica.Endpoint)));
            }
            else
            {
                rows.Add((snapshot.Name, snapshot, snapshot.Endpoint));
            }
        }

        var nameWidth = Math.Max(8, rows.Max(row => row.Name.Length));
        var kindWidth = Math.Max(4, rows.Max(row => row.Snapshot.Kind.Length));
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine($"{"Resource".PadRight(nameWidth)}  {"Kind".PadRight(kindWidth)}  {"State",-13}  {"Health",-9}  Endpoint");
        foreach (var (name, row, endpoint) in rows)
        {
            text.AppendLine($"{name.PadRight(nameWidth)}  {row.Kind.PadRight(kindWidth)}  {row.State,-13}  {row.Health,-9}  {endpoint}");
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
                case ProjectResource project:
                    foreach (var replica in project.Replicas.Where(replica => replica.HttpEndpoint is not null))
                    {
                        text.AppendLine($"  {replica.Name}: {replica.Endpoint}/health");
                    }

                    break;
            }
        }

        // A parameter declared non-secret (the admin key a developer pastes into requests) is printed; a secret one
        // only says where to read it, so it never lands in a terminal's scrollback or a captured log.
        foreach (var parameter in parameters)
        {
            var source = parameter.IsConfigured ? $"from Parameters:{parameter.Name}" : $"cat {parameter.ValueFile}";
            text.AppendLine(parameter is { Secret: false, ResolvedValue: { } value }
                ? $"  {parameter.Name}: {value} ({source})"
                : $"  {parameter.Name}: {source}");
        }

        if (string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            text.AppendLine("  telemetry: no OTEL_EXPORTER_OTLP_ENDPOINT configured, so services export no telemetry");
        }

        return text.ToString();
    }
}
