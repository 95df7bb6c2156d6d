using Microsoft.Extensions.Configuration;

namespace ServiceDefaults.Clients;

/// <summary>Reads <c>ConnectionStrings:&lt;name&gt;</c> and turns a missing or malformed value into an error naming the key.</summary>
internal static class ConnectionStringReader
{
    public static string GetRequired(IConfiguration configuration, string connectionName)
    {
        var value = configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"Connection string '{Key(connectionName)}' is missing. Set it in configuration (environment variable " +
                $"ConnectionStrings__{connectionName}); the AppHost sets it for the services it starts.");
        }

        return value;
    }

    // The message never includes the value: connection strings carry passwords.
    public static InvalidOperationException Malformed(string connectionName, string reason) =>
        new($"Connection string '{Key(connectionName)}' is malformed: {reason}");

    private static string Key(string connectionName) => $"ConnectionStrings:{connectionName}";
}
