using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace ServiceDefaults.Tests;

public sealed class ConnectionStringTests
{
    [Fact]
    public void MissingRedisConnectionStringFailsNamingTheKey()
    {
        var builder = WebApplication.CreateSlimBuilder();
        var error = Assert.Throws<InvalidOperationException>(() => builder.AddRedisClient("cache"));
        Assert.Contains("ConnectionStrings:cache", error.Message);
        Assert.Contains("missing", error.Message);
    }

    [Theory]
    [InlineData(",password=secret")]
    [InlineData("127.0.0.1:6379,nosuchoption=1")]
    public void MalformedRedisConnectionStringFailsNamingTheKeyWithoutThePassword(string connectionString)
    {
        var builder = BuilderWith("cache", connectionString);
        var error = Assert.Throws<InvalidOperationException>(() => builder.AddRedisClient("cache"));
        Assert.Contains("ConnectionStrings:cache", error.Message);
        Assert.Contains("malformed", error.Message);
        Assert.DoesNotContain("secret", error.Message);
    }

    [Fact]
    public void AspireRedisConnectionStringIsAccepted()
    {
        var options = RedisClientExtensions.ParseRedisConnectionString("127.0.0.1:6380,password=pw", "cache");
        Assert.Equal("pw", options.Password);
        Assert.Single(options.EndPoints);
    }

    [Fact]
    public void MissingPostgresConnectionStringFailsNamingTheKey()
    {
        var builder = WebApplication.CreateSlimBuilder();
        var error = Assert.Throws<InvalidOperationException>(() => builder.AddNpgsqlDataSource("examdb"));
        Assert.Contains("ConnectionStrings:examdb", error.Message);
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Port=notaport;Password=secret")]
    [InlineData("Port=5432;Username=postgres;Password=secret;Database=examdb")]
    [InlineData("Hots=127.0.0.1;Password=secret")]
    public void MalformedPostgresConnectionStringFailsNamingTheKeyWithoutThePassword(string connectionString)
    {
        var builder = BuilderWith("examdb", connectionString);
        var error = Assert.Throws<InvalidOperationException>(() => builder.AddNpgsqlDataSource("examdb"));
        Assert.Contains("ConnectionStrings:examdb", error.Message);
        Assert.DoesNotContain("secret", error.Message);
    }

    [Fact]
    public void AspirePostgresConnectionStringIsAccepted()
    {
        const string connectionString = "Host=127.0.0.1;Port=5432;Username=postgres;Password=pw;Database=examdb";
        Assert.Equal(connectionString, NpgsqlClientExtensions.ValidateNpgsqlConnectionString(connectionString, "examdb"));
    }

    internal static WebApplicationBuilder BuilderWith(string name, string connectionString)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration[$"ConnectionStrings:{name}"] = connectionString;
        return builder;
    }
}
