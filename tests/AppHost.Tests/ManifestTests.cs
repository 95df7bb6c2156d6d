using System.Diagnostics;
using System.Text.Json;

namespace AppHost.Tests;

/// <summary>
/// The deployment manifest azd reads (<c>dotnet run --project AppHost -- --publisher manifest --output-path …</c>): stock
/// container Redis and PostgreSQL whatever this machine has, the two projects with their references, and references to
/// parameters where secrets go, never a value.
/// </summary>
public sealed class ManifestTests : IDisposable
{
    private const string ConfiguredAdminKey = "configured-admin-key-that-must-not-be-inlined";

    private readonly string outputDirectory = Directory.CreateTempSubdirectory("apphost-manifest-").FullName;

    [Fact]
    public async Task ManifestDescribesContainersProjectsAndReferencesWithoutInliningAnySecret()
    {
        var manifestPath = Path.Combine(outputDirectory, "aspire-manifest.json");
        var text = await PublishAsync(manifestPath);
        var resources = JsonDocument.Parse(text).RootElement.GetProperty("resources");
        string Get(string resource, params string[] path) =>
            path.Aggregate(resources.GetProperty(resource), (element, name) => element.GetProperty(name)).ToString();

        Assert.Equal("container.v0", Get("cache", "type"));
        Assert.Equal("docker.io/library/redis:7.0", Get("cache", "image"));
        Assert.Equal("{cache-password.value}", Get("cache", "env", "REDIS_PASSWORD"));
        Assert.Equal("container.v0", Get("postgres", "type"));
        Assert.Equal("docker.io/library/postgres:15", Get("postgres", "image"));
        Assert.Equal("{postgres-password.value}", Get("postgres", "env", "POSTGRES_PASSWORD"));
        Assert.Equal("value.v0", Get("examdb", "type"));
        Assert.Equal("{postgres.connectionString};Database=examdb", Get("examdb", "connectionString"));
        foreach (var parameter in new[] { "admin-key", "session-key", "student-key", "cache-password", "postgres-password" })
        {
            Assert.Equal("parameter.v0", Get(parameter, "type"));
            Assert.Equal("True", Get(parameter, "inputs", "value", "secret"));
            Assert.True(resources.GetProperty(parameter).GetProperty("inputs").GetProperty("value").GetProperty("default").TryGetProperty("generate", out _));
        }

        Assert.Equal("project.v0", Get("examapi", "type"));
        Assert.EndsWith("ExamApi/ExamApi.csproj", Path.GetFullPath(Path.Combine(outputDirectory, Get("examapi", "path"))));
        Assert.Equal("{cache.connectionString}", Get("examapi", "env", "ConnectionStrings__cache"));
        Assert.Equal("{examdb.connectionString}", Get("examapi", "env", "ConnectionStrings__examdb"));
        Assert.Equal("{admin-key.value}", Get("examapi", "env", "Exam__AdminKey"));
        Assert.Equal("{session-key.value}", Get("examapi", "env", "Exam__SessionKey"));
        Assert.Equal("{student-key.value}", Get("examapi", "env", "Exam__StudentKey"));
        Assert.Equal("True", Get("examapi", "bindings", "http", "external"));
        // The developer port (5300) is not the deployment's business.
        Assert.False(resources.GetProperty("examapi").GetProperty("bindings").GetProperty("http").TryGetProperty("port", out _));

        Assert.Equal("project.v0", Get("cleanupworker", "type"));
        Assert.Equal("{cache.connectionString}", Get("cleanupworker", "env", "ConnectionStrings__cache"));
        Assert.False(resources.GetProperty("cleanupworker").GetProperty("env").TryGetProperty("Exam__AdminKey", out _));
        Assert.False(resources.GetProperty("cleanupworker").GetProperty("bindings").GetProperty("http").TryGetProperty("external", out _));

        Assert.DoesNotContain(ConfiguredAdminKey, text);
        foreach (var secret in LocalSecrets()) Assert.DoesNotContain(secret, text);
    }

    public void Dispose() => Directory.Delete(outputDirectory, recursive: true);

    private async Task<string> PublishAsync(string manifestPath)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppHostProcess.RepositoryRoot,
        };
        foreach (var argument in new[] { "run", "--project", "AppHost", "--no-build", "-c", AppHostProcess.BuildConfiguration, "--",
            "--publisher", "manifest", "--output-path", manifestPath }) startInfo.ArgumentList.Add(argument);
        // Configured the way a secret is: in the environment, never on a command line.
        startInfo.Environment["Parameters__admin-key"] = ConfiguredAdminKey;
        using var publish = Process.Start(startInfo)!;
        var output = publish.StandardOutput.ReadToEndAsync();
        var errors = publish.StandardError.ReadToEndAsync();
        await publish.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        Assert.True(publish.ExitCode == 0, $"publishing failed ({publish.ExitCode}): {await output}{await errors}");
        return await File.ReadAllTextAsync(manifestPath);
    }

    /// <summary>Secrets this machine holds for the graph: the generated parameters in the AppHost's user secrets.</summary>
    private static IEnumerable<string> LocalSecrets()
    {
        var secrets = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
            ".microsoft", "usersecrets", "6d3f0c2e-8b1a-4c7e-9a55-3f2d1e0b7c41", "secrets.json");
        if (!File.Exists(secrets)) return [];
        return JsonDocument.Parse(File.ReadAllText(secrets)).RootElement.EnumerateObject()
            .Select(property => property.Value.ToString()).Where(value => value.Length >= 16).ToList();
    }
}
