using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using AppHost.Hosting.Resources;

namespace AppHost.Hosting;

/// <summary>
/// Writes the graph as an Aspire manifest (<c>aspire-8.0.json</c> schema), the deployment description azd consumes:
/// servers as containers with connection-string expressions, the database as a value, passwords as generated secret
/// parameters, projects with their environment expressed in references. Nothing is started.
/// </summary>
internal static class ManifestPublisher
{
    private const string RedisImage = "docker.io/library/redis:7.0";
    private const string PostgresImage = "docker.io/library/postgres:15";

    public static async Task WriteAsync(IReadOnlyList<Resource> resources, IReadOnlyList<ParameterResource> parameters, string outputPath)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(outputPath))!;
        var manifest = new JsonObject();
        foreach (var parameter in parameters)
        {
            manifest[parameter.Name] = GeneratedSecret(parameter.Name, parameter.Secret);
        }

        foreach (var resource in resources)
        {
            switch (resource)
            {
                case RedisResource redis:
                    manifest[redis.Name] = Redis(redis);
                    manifest[redis.PasswordParameter.Name] = GeneratedSecret(redis.PasswordParameter.Name, secret: true);
                    break;
                case PostgresServerResource postgres:
                    manifest[postgres.Name] = Postgres(postgres);
                    manifest[postgres.PasswordParameter.Name] = GeneratedSecret(postgres.PasswordParameter.Name, secret: true);
                    break;
                case PostgresDatabaseResource database:
                    manifest[database.Name] = new JsonObject
                    {
                        ["type"] = "value.v0",
                        ["connectionString"] = $"{{{database.Server.Name}.connectionString}};Database={database.DatabaseName}",
                    };
                    break;
                case ProjectResource project:
                    manifest[project.Name] = Project(project, directory);
                    break;
            }
        }

        var document = new JsonObject { ["$schema"] = "https://json.schemastore.org/aspire-8.0.json", ["resources"] = manifest };
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(outputPath, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
    }

    private static JsonObject Redis(RedisResource redis) => new()
    {
        ["type"] = "container.v0",
        ["connectionString"] = $"{{{redis.Name}.bindings.tcp.host}}:{{{redis.Name}.bindings.tcp.port}},password={{{redis.PasswordParameter.Name}.value}}",
        ["image"] = RedisImage,
        ["entrypoint"] = "/bin/sh",
        ["args"] = new JsonArray("-c", "redis-server --requirepass $REDIS_PASSWORD --save '' --appendonly no"),
        ["env"] = new JsonObject { ["REDIS_PASSWORD"] = $"{{{redis.PasswordParameter.Name}.value}}" },
        ["bindings"] = new JsonObject { ["tcp"] = Binding("tcp", "tcp", targetPort: 6379) },
    };

    private static JsonObject Postgres(PostgresServerResource postgres) => new()
    {
        ["type"] = "container.v0",
        ["connectionString"] =
            $"Host={{{postgres.Name}.bindings.tcp.host}};Port={{{postgres.Name}.bindings.tcp.port}};Username=postgres;Password={{{postgres.PasswordParameter.Name}.value}}",
        ["image"] = PostgresImage,
        ["env"] = new JsonObject
        {
            ["POSTGRES_HOST_AUTH_METHOD"] = "scram-sha-256",
            ["POSTGRES_INITDB_ARGS"] = "--auth-host=scram-sha-256 --auth-local=scram-sha-256",
            ["POSTGRES_USER"] = "postgres",
            ["POSTGRES_PASSWORD"] = $"{{{postgres.PasswordParameter.Name}.value}}",
        },
        ["bindings"] = new JsonObject { ["tcp"] = Binding("tcp", "tcp", targetPort: 5432) },
    };

    private static JsonObject Project(ProjectResource project, string manifestDirectory)
    {
        var environment = new JsonObject
        {
            ["OTEL_DOTNET_EXPERIMENTAL_OTLP_EMIT_EXCEPTION_LOG_ATTRIBUTES"] = "true",
            ["OTEL_DOTNET_EXPERIMENTAL_OTLP_EMIT_EVENT_LOG_ATTRIBUTES"] = "true",
            ["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true",
            ["HTTP_PORTS"] = $"{{{project.Name}.bindings.http.targetPort}}",
        };
        foreach (var reference in project.References)
        {
            switch (reference)
            {
                case IResourceWithConnectionString resource:
                    environment[$"ConnectionStrings__{resource.Name}"] = $"{{{resource.Name}.connectionString}}";
                    break;
                case ProjectResource service:
                    // Deployed, a service's replicas sit behind its one URL, so one entry (locally there is one per replica).
                    environment[$"services__{service.Name}__http__0"] = $"{{{service.Name}.bindings.http.url}}";
                    break;
            }
        }

        foreach (var (key, value) in project.ExtraEnvironment)
        {
            environment[key] = value;
        }

        foreach (var (key, parameter) in project.ParameterEnvironment)
        {
            environment[key] = $"{{{parameter.Name}.value}}";
        }

        var http = Binding("http", "http", targetPort: null);
        if (project.RequestedHttpPort is not null)
        {
            http["external"] = true; // only the API declares a public HTTP endpoint
        }

        var manifestEntry = new JsonObject
        {
            ["type"] = "project.v0",
            ["path"] = Path.GetRelativePath(manifestDirectory, project.ProjectPath),
        };
        if (project.Replicas.Count > 1)
        {
            manifestEntry["replicas"] = project.Replicas.Count; // as Aspire writes it: only when more than one
        }

        manifestEntry["env"] = environment;
        manifestEntry["bindings"] = new JsonObject { ["http"] = http };
        return manifestEntry;
    }

    private static JsonObject Binding(string scheme, string transport, int? targetPort)
    {
        var binding = new JsonObject { ["scheme"] = scheme, ["protocol"] = "tcp", ["transport"] = transport };
        if (targetPort is not null)
        {
            binding["targetPort"] = targetPort;
        }

        return binding;
    }

    private static JsonObject GeneratedSecret(string name, bool secret) => new()
    {
        ["type"] = "parameter.v0",
        ["value"] = $"{{{name}.inputs.value}}",
        ["inputs"] = new JsonObject
        {
            ["value"] = new JsonObject
            {
                ["type"] = "string",
                ["secret"] = secret,
                ["default"] = new JsonObject { ["generate"] = new JsonObject { ["minLength"] = 22, ["special"] = false } },
            },
        },
    };
}
