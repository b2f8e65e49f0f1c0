using PluginMesh.P2p;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

/// <summary>
/// IPeerNetwork double over a real libp2p node (the tunnel plugin does not implement it yet):
/// connections and their events come from the real host; an inbound circuit is not upgraded with
/// Noise (the upgrader is internal to the tunnel plugin) but served as a raw echo, which proves the
/// bytes flow end to end through the relay.
/// </summary>
internal sealed class TestPeerNetwork : IPeerNetwork
{
    private readonly Libp2pNodeService _node;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, IReadOnlyList<string>> _announced = [];
    private readonly List<ITransportConnection> _inbound = [];
    private Reachability _reachability;

    public TestPeerNetwork(Libp2pNodeService node, Reachability reachability)
    {
        _node = node;
        _reachability = reachability;
        node.Started += host =>
        {
            host.ConnectionOpened += c => PeerConnected?.Invoke(ToPeer(c));
            host.ConnectionClosed += c => PeerDisconnected?.Invoke(ToPeer(c));
        };
    }

    public Reachability Reachability => _reachability;

    public bool PrivateNetwork => _node.Options.PskFile is not null;

    public event Action<Reachability>? ReachabilityChanged;

    public IReadOnlyList<PeerConnection> Connections => [.. (_node.Host?.Connections ?? []).Where(c => !c.IsClosed).Select(ToPeer)];

    public event Action<PeerConnection>? PeerConnected;

    public event Action<PeerConnection>? PeerDisconnected;

    public IReadOnlyList<string> Announced(string source)
    {
        lock (_lock) return _announced.GetValueOrDefault(source) ?? [];
    }

    public IReadOnlyList<ITransportConnection> Inbound
    {
        get { lock (_lock) return [.. _inbound]; }
    }

    public void SetReachability(Reachability value)
    {
        _reachability = value;
        ReachabilityChanged?.Invoke(value);
    }

    public void SetAnnouncedAddresses(string source, IReadOnlyList<Multiaddr> multiaddrs)
    {
        lock (_lock) _announced[source] = [.. multiaddrs.Select(a => a.ToString())];
    }

    public ValueTask<PeerConnection> AcceptInboundAsync(ITransportConnection raw, PathKind path, CancellationToken cancellationToken)
    {
        lock (_lock) _inbound.Add(raw);
        _ = EchoAsync(raw);
        return ValueTask.FromResult(new PeerConnection(raw.RemoteAddress.TargetPeerId!, raw.RemoteAddress, path, true, DateTimeOffset.UtcNow, null, []));
    }

    public async ValueTask<TimeSpan> PingAsync(PeerId peerId, CancellationToken cancellationToken)
    {
        var host = _node.Host ?? throw new TunnelException(TunnelFailure.Unresolved, "not started");
        var connection = host.GetConnection(peerId) ?? throw new TunnelException(TunnelFailure.Unresolved, "not connected");
        return await host.PingAsync(connection, cancellationToken);
    }

    private static async Task EchoAsync(ITransportConnection raw)
    {
        await using (raw)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                int n;
                while ((n = await raw.Stream.ReadAsync(buffer)) > 0) await raw.Stream.WriteAsync(buffer.AsMemory(0, n));
            }
            catch (IOException)
            {
            }
        }
    }

    private static PeerConnection ToPeer(Libp2pConnection c) =>
        new(c.RemotePeerId, c.RemoteAddress, PathKind.Direct, !c.IsInitiator, DateTimeOffset.UtcNow, null, []);
}
