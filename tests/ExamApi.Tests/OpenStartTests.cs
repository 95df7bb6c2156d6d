using ExamApi.Extensions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ExamApi.Tests;

/// <summary>Open start (<c>Exam:Students:OpenStart</c>) skips the student credential, so ExamApi refuses it outside Development.</summary>
public sealed class OpenStartTests
{
    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    [InlineData("Test")]
    public void OpenStartOutsideDevelopmentStopsTheStartup(string environment)
    {
        var builder = Builder(environment, openStart: "true");
        var error = Assert.Throws<InvalidOperationException>(() => builder.AddStudentCredentials());
        Assert.Contains("Exam:Students:OpenStart", error.Message, StringComparison.Ordinal);
        Assert.Contains(environment, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Development", "true")]
    [InlineData("Production", "false")]
    [InlineData("Production", null)]
    public void OpenStartInDevelopmentOrOffAnywhereStarts(string environment, string? openStart)
    {
        var builder = Builder(environment, openStart);
        builder.AddStudentCredentials();
        using var services = builder.Services.BuildServiceProvider();
        Assert.Equal(openStart == "true", services.GetRequiredService<StudentCredentialSettings>().OpenStart);
    }

    [Theory]
    [InlineData("short-lms-secret", "lms", "exam")]
    [InlineData("an-lms-shared-secret-long-enough-0123456789", null, "exam")]
    [InlineData("an-lms-shared-secret-long-enough-0123456789", "lms", null)]
    [InlineData(null, "lms", "exam")]
    public void AnIncompleteOrWeakLmsConfigurationStopsTheStartup(string? signingKey, string? issuer, string? audience)
    {
        var builder = Builder("Production", null);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Exam:Lms:SigningKey"] = signingKey, ["Exam:Lms:Issuer"] = issuer, ["Exam:Lms:Audience"] = audience,
        });
        var error = Assert.Throws<InvalidOperationException>(() => builder.AddStudentCredentials());
        Assert.Contains("Exam:Lms", error.Message, StringComparison.Ordinal);
    }

    private static HostApplicationBuilder Builder(string environment, string? openStart)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = environment });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Exam:Students:OpenStart"] = openStart });
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddLogging();
        return builder;
    }
}
