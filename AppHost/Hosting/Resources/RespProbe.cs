using System.Net.Sockets;
using System.Text;

namespace AppHost.Hosting.Resources;

/// <summary>
/// AUTH + PING over a bare RESP connection: the host's Redis health check, with no client library and no connection
/// kept open between checks.
/// </summary>
internal static class RespProbe
{
    public static async Task<HealthCheckOutcome> PingAsync(string host, int port, string? password, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(host, port, cancellationToken);
            var stream = client.GetStream();
            var request = new StringBuilder();
            if (password is not null)
            {
                request.Append(Command("AUTH", password));
            }

            request.Append(Command("PING"));
            await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), cancellationToken);

            using var reader = new StreamReader(stream, Encoding.UTF8);
            if (password is not null)
            {
                var auth = await reader.ReadLineAsync(cancellationToken);
                if (auth != "+OK")
                {
                    return HealthCheckOutcome.Unhealthy($"AUTH answered '{auth}'");
                }
            }

            var pong = await reader.ReadLineAsync(cancellationToken);
            return pong == "+PONG" ? HealthCheckOutcome.Healthy() : HealthCheckOutcome.Unhealthy($"PING answered '{pong}'");
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            return HealthCheckOutcome.Unhealthy(ex.Message);
        }
    }

    private static string Command(params string[] parts) =>
        $"*{parts.Length}\r\n" + string.Concat(parts.Select(part => $"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n"));
}
