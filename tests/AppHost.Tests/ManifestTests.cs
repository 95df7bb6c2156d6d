using System.Text.Json;
using AppHost.Hosting;

namespace AppHost.Tests;

public sealed class ManifestTests
{
    [Fact]
    public async Task ManifestDescribesTheGraphWithReferencesInsteadOfValues()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Program>();
        await using var app = builder.Build();
        var output = Path.Combine(app.Options.DataDirectory, "out", "aspire-manifest.json");

        await app.PublishManifestAsync(output);

        var resources = JsonDocument.Parse(await File.ReadAllTextAsync(output)).RootElement.GetProperty("resources");
        string Type(string name) => resources.GetProperty(name).GetProperty("type").GetString()!;
        Assert.Equal("container.v0", Type("cache"));
        Assert.Equal("container.v0", Type("postgres"));
        Assert.Equal("value.v0", Type("examdb"));
        Assert.Equal("parameter.v0", Type("cache-password"));
        Assert.Equal("parameter.v0", Type("postgres-password"));
        Assert.Equal("project.v0", Type("examapi"));
        Assert.Equal("project.v0", Type("cleanupworker"));

        Assert.Equal("{cache.bindings.tcp.host}:{cache.bindings.tcp.port},password={cache-password.value}",
            resources.GetProperty("cache").GetProperty("connectionString").GetString());
        Assert.Equal("{postgres.connectionString};Database=examdb", resources.GetProperty("examdb").GetProperty("connectionString").GetString());

        var api = resources.GetProperty("examapi");
        var environment = api.GetProperty("env");
        Assert.Equal("{cache.connectionString}", environment.GetProperty("ConnectionStrings__cache").GetString());
        Assert.Equal("{examdb.connectionString}", environment.GetProperty("ConnectionStrings__examdb").GetString());
        Assert.True(api.GetProperty("bindings").GetProperty("http").GetProperty("external").GetBoolean());
        Assert.False(resources.GetProperty("cleanupworker").GetProperty("bindings").GetProperty("http").TryGetProperty("external", out _));

        var projectPath = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(output)!, api.GetProperty("path").GetString()!));
        Assert.True(File.Exists(projectPath), projectPath);
        Assert.EndsWith("ExamApi.csproj", projectPath);
        Assert.False(api.TryGetProperty("replicas", out _)); // Aspire writes it only for more than one
    }

    [Fact]
    public async Task ManifestCarriesTheReplicaCountFromConfiguration()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Program>(
            configuration: new Dictionary<string, string?> { ["ExamApi:Replicas"] = "2" });
        await using var app = builder.Build();
        var output = Path.Combine(app.Options.DataDirectory, "aspire-manifest.json");

        await app.PublishManifestAsync(output);

        var resources = JsonDocument.Parse(await File.ReadAllTextAsync(output)).RootElement.GetProperty("resources");
        Assert.Equal(2, resources.GetProperty("examapi").GetProperty("replicas").GetInt32());
        Assert.False(resources.GetProperty("cleanupworker").TryGetProperty("replicas", out _));
    }
}
