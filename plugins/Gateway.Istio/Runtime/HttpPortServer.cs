using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace PluginMesh.Plugins.Gateway.Istio.Runtime;

/// <summary>
/// One HTTP or HTTPS gateway port: a Kestrel server of its own (an empty web host, not the host's
/// admin server) on the chosen addresses. HTTPS picks the certificate per handshake by SNI from the
/// listener in effect (<see cref="TlsSelector"/>). Counts connections and TLS handshakes that did
/// not complete.
/// </summary>
internal sealed class HttpPortServer : IPortServer
{
    private readonly WebApplication _app;
    private volatile GatewayListener _listener;

    private HttpPortServer(GatewayListener listener, WebApplication app)
    {
        _listener = listener;
        _app = app;
        Protocol = listener.Protocol;
    }

    public int Port => _listener.Port;

    public ServerProtocol Protocol { get; }

    public IReadOnlyList<string> Bound { get; private set; } = [];

    public GatewayListener Listener
    {
        get => _listener;
        set => _listener = value;
    }

    /// <summary>Binds <paramref name="listener"/>'s port on <paramref name="addresses"/> (empty: every address) and starts serving; throws <see cref="IOException"/> when the port cannot be bound.</summary>
    public static async Task<HttpPortServer> StartAsync(GatewayListener listener, IReadOnlyList<IPAddress> addresses, GatewayOptions options,
        HttpProxy proxy, TlsSelector tls, GatewayMetrics metrics, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        // The agent's host owns the process signals; this one only starts and stops with its port.
        builder.Services.AddSingleton<IHostLifetime, QuietLifetime>();
        builder.WebHost.UseKestrelCore();
        // The handler never blocks (YARP is async through and through): run it on the socket's I/O
        // thread rather than hopping to the thread pool for every read — measured in bench/gateway.sh.
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        HttpPortServer? port = null;
        var https = listener.Protocol == ServerProtocol.Https;
        var protocol = https ? "https" : "http";

        void Configure(ListenOptions listen)
        {
            // Without TLS there is no ALPN: HTTP/1.1, or HTTP/2 with prior knowledge on a port declared HTTP2/GRPC.
            listen.Protocols = https ? HttpProtocols.Http1AndHttp2 : listener.CleartextHttp2 ? HttpProtocols.Http2 : HttpProtocols.Http1;
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
                OnConnection = context => ValueTask.FromResult(tls.Select(port!.Listener, context.ClientHelloInfo.ServerName)),
                HandshakeTimeout = TimeSpan.FromSeconds(10),
            });
            listen.Use(next => connection =>
            {
                connection.Features.Get<HandshakeMark>()!.Done = true;
                return next(connection);
            });
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = options.MaxConnections;
            kestrel.Limits.MaxConcurrentUpgradedConnections = options.MaxConnections;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = options.MaxRequestHeadersBytes;
            kestrel.Limits.RequestHeadersTimeout = options.RequestHeadersTimeout;
            if (addresses.Count == 0) kestrel.ListenAnyIP(listener.Port, Configure);
            else foreach (var address in addresses) kestrel.Listen(address, listener.Port, Configure);
        });
        var app = builder.Build();
        port = new HttpPortServer(listener, app);
        app.Run(context => proxy.HandleAsync(context, port._listener));
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new IOException(e.Message, e);
        }
        port.Bound = [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []];
        return port;
    }

    public async Task StopAsync(TimeSpan drain, CancellationToken now = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(now);
        limit.CancelAfter(drain);
        try
        {
            await _app.StopAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Connections still open after the drain are closed by Dispose.
        }
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await StopAsync(TimeSpan.Zero).ConfigureAwait(false);

    /// <summary>Set once a connection's TLS handshake completed.</summary>
    private sealed class HandshakeMark
    {
        public bool Done { get; set; }
    }

    /// <summary>A lifetime that neither waits for nor reacts to process signals.</summary>
    private sealed class QuietLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
