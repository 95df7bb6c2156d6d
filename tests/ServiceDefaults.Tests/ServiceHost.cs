using System.Collections.ObjectModel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ServiceDefaults.Tests;

/// <summary>Builders for the hosts under test.</summary>
internal static class ServiceHost
{
    /// <summary>A service on the in-memory test server; the application name also names its ActivitySource and Meter.</summary>
    public static WebApplicationBuilder CreateBuilder(string applicationName)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = applicationName });
        builder.WebHost.UseTestServer();
        return builder;
    }

    /// <summary>A quiet Kestrel server on a free loopback port, for what must travel over real sockets.</summary>
    public static WebApplicationBuilder CreateLoopbackBuilder(HttpProtocols protocols = HttpProtocols.Http1)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = protocols));
        return builder;
    }

    /// <summary>The address a started loopback server listens on, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public static Uri Address(this WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
}

/// <summary>A collection exporters may add to from any thread while a test reads snapshots of it.</summary>
internal sealed class RecordedItems<T> : Collection<T>
{
    private readonly Lock gate = new();

    public T[] Snapshot()
    {
        lock (gate)
        {
            return [.. Items];
        }
    }

    protected override void InsertItem(int index, T item)
    {
        lock (gate)
        {
            base.InsertItem(index, item);
        }
    }
}
