using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PluginMesh.Plugins.Tunnel.Libp2p.Forwarding;
using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.Plugins.Tunnel.Libp2p.Identity;
using PluginMesh.Plugins.Tunnel.Libp2p.Pnet;
using PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Plugin;

/// <summary>
/// Owns the node's <see cref="Libp2pHost"/>: loads (or creates) the key at start, binds, and closes
/// everything at stop. Safe to stop after a partial start.
/// </summary>
public sealed class Libp2pNodeService(Libp2pOptions options, ILoggerFactory loggerFactory, System.Diagnostics.Metrics.Meter? meter = null) : IHostedService, IAsyncDisposable
{
    private readonly Lazy<IdentityKey> _identity = new(() => KeyFile.LoadOrCreate(options.KeyFile));
    private Libp2pHost? _host;

    /// <summary>This node's identity (the key file is read or created on first use).</summary>
    public IdentityKey Identity => _identity.Value;

    /// <summary>The running host; null before start and after stop.</summary>
    public Libp2pHost? Host => Volatile.Read(ref _host);

    /// <summary>Raised once the host is listening, so handlers registered early can be attached.</summary>
    public event Action<Libp2pHost>? Started;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var host = new Libp2pHost(new Libp2pHostOptions
        {
            Identity = Identity,
            ListenAddresses = options.Listen,
            PrivateNetworkKey = options.PskFile is null ? null : SwarmKey.Load(options.PskFile),
            Yamux = new YamuxOptions
            {
                MaxInboundStreams = options.MaxInboundStreamsPerConnection,
                MaxStreamWindow = (uint)options.MaxStreamWindowMiB * 1024 * 1024,
            },
            LoggerFactory = loggerFactory,
            Meter = meter,
            MaxConnections = options.MaxConnections,
            IdleTimeout = TimeSpan.FromSeconds(options.IdleTimeoutSeconds),
        });
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var forwarding = new ForwardingServer(options.ForwardAllow, TimeSpan.FromSeconds(10), loggerFactory.CreateLogger("PluginMesh.Tunnel.Libp2p.Forwarding"));
        host.SetStreamHandler(ForwardingServer.ProtocolId, (s, ct) => forwarding.ServeAsync(s.Stream, s.Stream.CloseWriteAsync, ct));
        Volatile.Write(ref _host, host);
        Started?.Invoke(host);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var host = Interlocked.Exchange(ref _host, null);
        if (host is not null) await host.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        if (_identity.IsValueCreated) _identity.Value.Dispose();
    }
}
