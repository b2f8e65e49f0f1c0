using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Runtime.Support;

/// <summary>A real HTTP server on a loopback port (Kestrel) that answers with <c>handler</c>.</summary>
internal sealed class Backend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private Backend(WebApplication app, IPEndPoint endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public IPEndPoint Endpoint { get; }

    /// <summary>A backend that writes its name, the path, the Host and the X-Forwarded-* headers it got.</summary>
    public static Task<Backend> EchoAsync(string name) => StartAsync(context =>
    {
        var r = context.Request;
        return context.Response.WriteAsync(
            $"{name} {r.Path}{r.QueryString} host={r.Host} xff={r.Headers["X-Forwarded-For"]} proto={r.Headers["X-Forwarded-Proto"]} xfh={r.Headers["X-Forwarded-Host"]}");
    });

    /// <summary>A backend answering with <paramref name="handler"/>; <paramref name="http2Only"/>: cleartext HTTP/2 with prior knowledge (h2c), as gRPC servers.</summary>
    public static async Task<Backend> StartAsync(RequestDelegate handler, bool http2Only = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.Protocols = http2Only
            ? Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2
            : Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1));
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new Backend(app, new IPEndPoint(IPAddress.Loopback, new Uri(address).Port));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
