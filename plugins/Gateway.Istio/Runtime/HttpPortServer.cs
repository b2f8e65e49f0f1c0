using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace PluginMesh.Plugins.Gateway.Istio.Runtime;

/// <summary>
/// One HTTP or HTTPS gateway port: a Kestrel server of its own (not the host's admin server) on the
/// chosen addresses. HTTPS picks the certificate per handshake by SNI from the listener in effect
/// (<see cref="TlsSelector"/>). Counts connections and TLS handshakes that did not complete.
/// </summary>
internal sealed class HttpPortServer : IPortServer, IHttpApplication<HttpContext>
{
    private readonly KestrelServer _server;
    private readonly HttpProxy _proxy;
    private readonly IServiceProvider _services;
    private volatile GatewayListener _listener;

    private HttpPortServer(GatewayListener listener, KestrelServer server, HttpProxy proxy, IServiceProvider services)
    {
        _listener = listener;
        _server = server;
        _proxy = proxy;
        _services = services;
    }

    public int Port => _listener.Port;

    public ServerProtocol Protocol { get; private init; }

    public IReadOnlyList<string> Bound { get; private set; } = [];

    public GatewayListener Listener
    {
        get => _listener;
        set => _listener = value;
    }

    /// <summary>Binds <paramref name="listener"/>'s port on <paramref name="addresses"/> (empty: every address) and starts serving; throws <see cref="IOException"/> when the port cannot be bound.</summary>
    public static async Task<HttpPortServer> StartAsync(GatewayListener listener, IReadOnlyList<IPAddress> addresses, GatewayOptions options,
        HttpProxy proxy, TlsSelector tls, GatewayMetrics metrics, IServiceProvider services, CancellationToken cancellationToken)
    {
        var loggers = services.GetRequiredService<ILoggerFactory>();
        var kestrel = new KestrelServerOptions { ApplicationServices = services, AddServerHeader = false };
        kestrel.Limits.MaxConcurrentConnections = options.MaxConnections;
        kestrel.Limits.MaxConcurrentUpgradedConnections = options.MaxConnections;
        kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
        kestrel.Limits.MaxRequestHeadersTotalSize = options.MaxRequestHeadersBytes;
        kestrel.Limits.RequestHeadersTimeout = options.RequestHeadersTimeout;
        var server = new KestrelServer(Options.Create(kestrel), new SocketTransportFactory(Options.Create(new SocketTransportOptions()), loggers), loggers);
        var port = new HttpPortServer(listener, server, proxy, services) { Protocol = listener.Protocol };
        var https = listener.Protocol == ServerProtocol.Https;
        var protocol = https ? "https" : "http";

        void Configure(ListenOptions listen)
        {
            listen.Protocols = https ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http1;
            listen.Use(next => async connection =>
            {
                metrics.Opened(protocol);
                var handshake = new HandshakeMark();
                connection.Features.Set(handshake);
                try
                {
                    await next(connection).ConfigureAwait(false);
                }
                finally
                {
                    metrics.Closed(protocol);
                    if (https && !handshake.Done) metrics.HandshakeFailed(listener.Port);
                }
            });
            if (!https) return;
            listen.UseHttps(new TlsHandshakeCallbackOptions
            {
                OnConnection = context => ValueTask.FromResult(tls.Select(port.Listener, context.ClientHelloInfo.ServerName)),
                HandshakeTimeout = TimeSpan.FromSeconds(10),
            });
            listen.Use(next => connection =>
            {
                connection.Features.Get<HandshakeMark>()!.Done = true;
                return next(connection);
            });
        }

        if (addresses.Count == 0) kestrel.ListenAnyIP(listener.Port, Configure);
        else foreach (var address in addresses) kestrel.Listen(address, listener.Port, Configure);
        try
        {
            await server.StartAsync(port, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            server.Dispose();
            throw new IOException(e.Message, e);
        }
        port.Bound = [.. server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []];
        return port;
    }

    public HttpContext CreateContext(IFeatureCollection contextFeatures) => new DefaultHttpContext(contextFeatures) { RequestServices = _services };

    public Task ProcessRequestAsync(HttpContext context) => _proxy.HandleAsync(context, _listener);

    public void DisposeContext(HttpContext context, Exception? exception)
    {
    }

    public async Task StopAsync(TimeSpan drain)
    {
        using var limit = new CancellationTokenSource(drain);
        try
        {
            await _server.StopAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Connections still open after the drain are closed by Dispose.
        }
        _server.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync(TimeSpan.Zero).ConfigureAwait(false);

    /// <summary>Set once a connection's TLS handshake completed.</summary>
    private sealed class HandshakeMark
    {
        public bool Done { get; set; }
    }
}
