using PluginMesh.P2p;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Discovery;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

/// <summary>
/// A discovery the test drives by hand (the real mDNS is tested in the dns.mdns plugin); also a
/// standalone provider named <c>mdns</c> for <c>p2p listen --mdns</c>.
/// </summary>
internal sealed class FakeDiscovery(string name = "mdns") : IStandaloneDiscovery, IStandaloneDiscoveryProvider
{
    private readonly List<DiscoveredPeer> _peers = [];

    public string Name => name;

    public string DiscoveryName => name;

    public LocalPeerAdvertisement? Advertised { get; private set; }

    public IReadOnlyDictionary<string, string>? Options { get; private set; }

    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool Disposed { get; private set; }

    public IReadOnlyList<DiscoveredPeer> Peers
    {
        get { lock (_peers) return [.. _peers]; }
    }

    public event Action<DiscoveredPeer>? PeerDiscovered;

    public event Action<PeerId>? PeerExpired;

    public void Announce(string peerId, IReadOnlyList<string> addrs)
    {
        var peer = new DiscoveredPeer(PeerId.Parse(peerId), [.. addrs.Select(Multiaddr.Parse)], name, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(2));
        lock (_peers)
        {
            _peers.RemoveAll(p => p.PeerId == peer.PeerId);
            _peers.Add(peer);
        }
        PeerDiscovered?.Invoke(peer);
    }

    public void Expire(string peerId) => PeerExpired?.Invoke(PeerId.Parse(peerId));

    public IStandaloneDiscovery Create(LocalPeerAdvertisement local, IReadOnlyDictionary<string, string> options, ILoggerFactory loggers)
    {
        Advertised = local;
        Options = options;
        return this;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Started.TrySetResult();
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}
