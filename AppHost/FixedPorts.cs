using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;

namespace AppHost;

/// <summary>
/// Ends the AppHost before it starts anything, naming the port, when a declared endpoint's fixed port (ExamApi's 5300)
/// is taken by another process. Aspire would start the graph anyway: the endpoint's proxy cannot listen, the health
/// check then reaches the other process or nothing, and ExamApi and everything waiting for it stay unhealthy without a
/// word.
/// </summary>
public static class FixedPorts
{
    /// <summary>Checks every fixed endpoint port in run mode (the test host randomizes ports, so there is nothing to check).</summary>
    public static void ExitWhenPortsAreTaken(this IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode || builder.Configuration.GetValue<bool>("DcpPublisher:RandomizePorts")) return;
        foreach (var resource in builder.Resources)
        {
            foreach (var endpoint in resource.Annotations.OfType<EndpointAnnotation>().Where(endpoint => endpoint.Port is not null))
            {
                if (IsFree(endpoint.Port!.Value)) continue;
                Console.Error.WriteLine(
                    $"AppHost: port {endpoint.Port} of '{resource.Name}' ({endpoint.Name} endpoint) is in use by another process. Stop " +
                    "that process (ss -ltnp shows it) or choose another port in the AppHost's configuration (ExamApi's: ExamApi:HttpPort).");
                // Nothing has started yet: no orchestrator, no server, nothing to clean up.
                Environment.Exit(1);
            }
        }
    }

    private static bool IsFree(int port)
    {
        foreach (var address in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
        {
            var listener = new TcpListener(address, port);
            try
            {
                listener.Start();
            }
            catch (SocketException error) when (error.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                return false;
            }
            catch (SocketException)
            {
                // No IPv6 on this machine: nothing can hold the port there.
            }
            finally
            {
                listener.Stop();
            }
        }

        return true;
    }
}
