using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Support;

/// <summary>
/// The part of <see cref="IPeerNetwork"/> the directory uses (connections and their events) over a
/// running <see cref="Libp2pHost"/>; the tunnel plugin will provide the real one.
/// </summary>
internal sealed class HostPeerNetwork : IPeerNetwork
{
    private readonly Libp2pHost _host;

    public HostPeerNetwork(Libp2pHost host)
    {
        _host = host;
        host.ConnectionOpened += c => PeerConnected?.Invoke(ToConnection(c));
        host.ConnectionClosed += c => PeerDisconnected?.Invoke(ToConnection(c));
    }

    public Reachability Reachability => Reachability.Unknown;

    public event Action<Reachability>? ReachabilityChanged
    {
        add { }
        remove { }
    }

    public IReadOnlyList<PeerConnection> Connections => [.. _host.Connections.Where(c => !c.IsClosed).Select(ToConnection)];

    public event Action<PeerConnection>? PeerConnected;

    public event Action<PeerConnection>? PeerDisconnected;

    public void SetAnnouncedAddresses(string source, IReadOnlyList<Multiaddr> multiaddrs) =>
        throw new NotSupportedException("the directory tests never announce addresses");

    public ValueTask<PeerConnection> AcceptInboundAsync(ITransportConnection raw, PathKind path, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the directory tests never upgrade raw connections");

    public async ValueTask<TimeSpan> PingAsync(PeerId peerId, CancellationToken cancellationToken)
    {
        var connection = _host.GetConnection(peerId) ?? throw new TunnelException(TunnelFailure.Unresolved, "not connected");
        return await _host.PingAsync(connection, cancellationToken);
    }

    private static PeerConnection ToConnection(Libp2pConnection c) =>
        new(c.RemotePeerId, c.RemoteAddress, PathKind.Direct, !c.IsInitiator, DateTimeOffset.UtcNow, null, []);
}
