using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PluginMesh.Host.Tests.Telemetry;

/// <summary>
/// A minimal OTLP/HTTP collector on Kestrel (a port the kernel picks): accepts <c>POST /v1/metrics</c>
/// and <c>/v1/traces</c> with protobuf bodies and keeps them for inspection. Enough to prove the
/// exporter reaches a collector. (Not HttpListener: its managed Close re-binds the port to remove the
/// prefix and throws "Address already in use" when another process has taken it meanwhile.)
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app) => _app = app;

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/{signal}", async (HttpContext ctx) =>
        {
            using var body = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(body);
            receiver.Received.Enqueue((ctx.Request.Path.Value ?? "", ctx.Request.ContentType ?? "", body.ToArray()));
            ctx.Response.ContentType = "application/x-protobuf";
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.Endpoint = address.TrimEnd('/');
        return receiver;
    }

    /// <summary>The collector's base URL, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Endpoint { get; private set; } = "";

    public ConcurrentQueue<(string Path, string ContentType, byte[] Body)> Received { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
