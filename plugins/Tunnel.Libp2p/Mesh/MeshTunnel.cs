using System.Net.Sockets;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.Plugins.Tunnel.Libp2p.Identity;
using PluginMesh.Plugins.Tunnel.Libp2p.Multiaddrs;
using PluginMesh.Plugins.Tunnel.Libp2p.Multistream;
using PluginMesh.Plugins.Tunnel.Libp2p.Noise;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;
using PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Mesh;

/// <summary>
/// <see cref="IMeshTunnel"/> over the libp2p host: direct connections only for now (existing
/// connection, then the given addresses in order). Node names need the directory, which is not
/// here yet, so they resolve as <see cref="TunnelFailure.Unresolved"/>.
/// </summary>
public sealed class MeshTunnel : IMeshTunnel
{
    private readonly Libp2pNodeService _node;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (MeshStreamHandler Handler, IDisposable? Registration)> _handlers = new(StringComparer.Ordinal);

    public MeshTunnel(Libp2pNodeService node)
    {
        _node = node;
        node.Started += AttachAll;
    }

    public string LocalPeerId => _node.Identity.PeerId.ToString();

    public async ValueTask<IMeshStream> OpenStreamAsync(PeerTarget target, string protocol, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var host = _node.Host ?? throw new TunnelException(TunnelFailure.Unresolved, "[tunnel.libp2p] open stream: the libp2p node is not started");
        PeerId? peer = null;
        if (target.PeerId is not null && !PeerId.TryParse(target.PeerId, out peer))
            throw new TunnelException(TunnelFailure.Unresolved, $"[tunnel.libp2p] open stream: '{target.PeerId}' is not a peer id");
        if (peer is not null && host.GetConnection(peer) is { } existing)
            return await OpenOnAsync(existing, protocol, cancellationToken).ConfigureAwait(false);
        TunnelException? last = null;
        foreach (var text in target.Addresses ?? [])
        {
            if (!Multiaddr.TryParse(text, out var addr, out var reason))
            {
                last = new TunnelException(TunnelFailure.Unresolved, $"[tunnel.libp2p] open stream: {reason}");
                continue;
            }
            if (peer is not null && addr!.PeerId is null) addr = addr.WithPeerId(peer);
            try
            {
                var connection = await host.DialAsync(addr!, cancellationToken).ConfigureAwait(false);
                return await OpenOnAsync(connection, protocol, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (Classify(e) is { } failure)
            {
                last = e as TunnelException ?? new TunnelException(failure, $"[tunnel.libp2p] open stream to {addr}: {e.Message}", e);
                if (failure == TunnelFailure.ProtocolNotSupported) throw last;
            }
        }
        throw last ?? new TunnelException(TunnelFailure.Unresolved, $"[tunnel.libp2p] open stream: no connection or address for {target}");
    }

    public IDisposable RegisterHandler(string protocol, MeshStreamHandler handler)
    {
        lock (_lock)
        {
            if (_handlers.ContainsKey(protocol)) throw new InvalidOperationException($"[tunnel.libp2p] a handler for {protocol} is already registered");
            _handlers[protocol] = (handler, null);
        }
        if (_node.Host is { } host) Attach(host, protocol);
        return new HandlerRegistration(() => Remove(protocol));
    }

    private static async ValueTask<IMeshStream> OpenOnAsync(Libp2pConnection connection, string protocol, CancellationToken cancellationToken)
    {
        try
        {
            return new MeshStream(await connection.OpenStreamAsync(protocol, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (Classify(e) is { } failure)
        {
            throw new TunnelException(failure, $"[tunnel.libp2p] open {protocol} on {connection}: {e.Message}", e);
        }
    }

    /// <summary>Maps expected network outcomes to values for policies; null for bugs (left to propagate).</summary>
    private static TunnelFailure? Classify(Exception e) => e switch
    {
        TunnelException t => t.Failure,
        MultistreamException { ProtocolNotSupported: true } => TunnelFailure.ProtocolNotSupported,
        YamuxException { LimitExceeded: true } => TunnelFailure.LimitExceeded,
        YamuxException { WasReset: true } => TunnelFailure.Reset,
        NoiseException or MultistreamException => TunnelFailure.Handshake,
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => TunnelFailure.Refused,
        SocketException { SocketErrorCode: SocketError.TimedOut } => TunnelFailure.Timeout,
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData } => TunnelFailure.Unresolved,
        OperationCanceledException or TimeoutException => TunnelFailure.Timeout,
        IOException => TunnelFailure.Reset,
        _ => null,
    };

    private void AttachAll(Libp2pHost host)
    {
        string[] protocols;
        lock (_lock) protocols = [.. _handlers.Keys];
        foreach (var p in protocols) Attach(host, p);
    }

    private void Attach(Libp2pHost host, string protocol)
    {
        lock (_lock)
        {
            if (!_handlers.TryGetValue(protocol, out var entry) || entry.Registration is not null) return;
            var handler = entry.Handler;
            var registration = host.SetStreamHandler(protocol, async (s, ct) =>
            {
                await using var stream = new MeshStream(s);
                await handler(stream, ct).ConfigureAwait(false);
            });
            _handlers[protocol] = (handler, registration);
        }
    }

    private void Remove(string protocol)
    {
        lock (_lock)
        {
            if (_handlers.Remove(protocol, out var entry)) entry.Registration?.Dispose();
        }
    }
}
