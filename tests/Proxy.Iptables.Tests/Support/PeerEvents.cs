using PluginMesh.Abstractions.Tunnel;
using PluginMesh.P2p;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

/// <summary>
/// The peer network as the proxy uses it: only its connection events, raised by the test (the tunnel
/// plugin raises them after a connection's upgrade). Nothing else is used by the proxy.
/// </summary>
public sealed class PeerEvents : IPeerNetwork
{
    public Reachability Reachability => Reachability.Unknown;

    public IReadOnlyList<PeerConnection> Connections => [];

    public event Action<Reachability>? ReachabilityChanged { add { } remove { } }

    public event Action<PeerConnection>? PeerConnected;

    public event Action<PeerConnection>? PeerDisconnected { add { } remove { } }

    /// <summary>Raises <see cref="PeerConnected"/> for a direct inbound connection from <paramref name="peer"/>.</summary>
    public void Connected(PeerId peer) =>
        PeerConnected?.Invoke(new PeerConnection(peer, Multiaddr.Parse("/ip4/10.0.0.3/tcp/4001"), PathKind.Direct, true, DateTimeOffset.UtcNow, null, []));

    public void SetAnnouncedAddresses(string source, IReadOnlyList<Multiaddr> multiaddrs) => throw new NotSupportedException("the proxy announces nothing");

    public ValueTask<PeerConnection> AcceptInboundAsync(ITransportConnection raw, PathKind path, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the proxy accepts no raw connections");

    public ValueTask<TimeSpan> PingAsync(PeerId peerId, CancellationToken cancellationToken) => throw new NotSupportedException("the proxy pings nobody");
}
