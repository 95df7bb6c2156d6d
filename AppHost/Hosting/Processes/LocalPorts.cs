using System.Net;
using System.Net.Sockets;

namespace AppHost.Hosting.Processes;

/// <summary>Free loopback ports, and waiting for a port to be free again before a server is restarted on it.</summary>
internal static class LocalPorts
{
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>A port free on 127.0.0.1 right now and not handed out before by this process.</summary>
    public static int NextFree()
    {
        lock (HandedOut)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }

    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Waits until nothing listens on <paramref name="port"/> (a restarted server's predecessor may linger).</summary>
    public static async Task WaitUntilFreeAsync(int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!IsFree(port))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"Port {port} on 127.0.0.1 is still in use after {timeout.TotalSeconds:F0} s.");
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
