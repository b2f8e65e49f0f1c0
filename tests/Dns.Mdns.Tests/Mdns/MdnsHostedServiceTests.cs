using PluginMesh.P2p;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Dns.Mdns.Mdns;
using static PluginMesh.Plugins.Dns.Mdns.Tests.Support.MdnsHelpers;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Mdns;

/// <summary>The agent-side wiring: ILocalPeer decides what is advertised and when it changes.</summary>
public sealed class MdnsHostedServiceTests
{
    private sealed class FakeLocalPeer : ILocalPeer
    {
        public PeerId PeerId => PeerId.Parse(PeerA);

        public IReadOnlyList<Multiaddr> Addresses { get; set; } = [];

        public event Action? AddressesChanged;

        public PluginMesh.P2p.Crypto.PublicKey PublicKey => throw new NotSupportedException("mDNS never reads the key");

        public byte[] Sign(ReadOnlySpan<byte> data) => [];

        public IReadOnlyList<ServiceOffer> Offers => [];

        public event Action? OffersChanged { add { } remove { } }

        public void SetOffer(ServiceOffer offer) => throw new NotSupportedException("mDNS never offers a service");

        public void WithdrawOffer(string service) => throw new NotSupportedException("mDNS never offers a service");

        public void Change(params string[] addresses)
        {
            Addresses = [.. addresses.Select(Multiaddr.Parse)];
            AddressesChanged?.Invoke();
        }
    }

    // No interfaces: nothing is multicast from the test runner's (root) namespace.
    private static MdnsDiscovery Discovery(Meter meter) =>
        new(MdnsOptions.Default, new MdnsMetrics(meter), TimeProvider.System, NullLogger.Instance, () => []);

    [Fact]
    public async Task AddressesChanged_ReAdvertises_AndStopUnsubscribes()
    {
        using var meter = new Meter("test.mdns.hosted");
        var discovery = Discovery(meter);
        var peer = new FakeLocalPeer();
        var service = new MdnsHostedService(discovery, peer);
        await service.StartAsync(CancellationToken.None);
        Assert.Empty(discovery.Advertised);

        peer.Change($"/ip4/10.0.0.1/tcp/4001/p2p/{PeerA}", "/ip4/203.0.113.5/tcp/4001");
        Assert.Equal([$"/ip4/10.0.0.1/tcp/4001/p2p/{PeerA}"], discovery.Advertised);

        await service.StopAsync(CancellationToken.None);
        peer.Change($"/ip4/10.0.0.2/tcp/4001/p2p/{PeerA}");
        Assert.Equal([$"/ip4/10.0.0.1/tcp/4001/p2p/{PeerA}"], discovery.Advertised);
    }

    [Fact]
    public async Task NoLocalPeer_QueriesOnly_AdvertisesNothing()
    {
        using var meter = new Meter("test.mdns.hosted.none");
        var discovery = Discovery(meter);
        var service = new MdnsHostedService(discovery, null);
        await service.StartAsync(CancellationToken.None);
        Assert.Empty(discovery.Advertised);
        Assert.Empty(discovery.Interfaces);
        await service.StopAsync(CancellationToken.None);
    }
}
