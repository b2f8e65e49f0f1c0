using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Network;

/// <summary>The offers of <see cref="ILocalPeer"/>: what this agent tells others it provides (a relay with its load).</summary>
public sealed class LocalPeerOffersTests : IAsyncDisposable
{
    private readonly Libp2pNodeService _node = new(new Libp2pOptions { KeyFile = Path.Combine(Path.GetTempPath(), "pm-offers-" + Guid.NewGuid().ToString("N") + ".key") }, NullLoggerFactory.Instance);

    [Fact]
    public void SetOffer_NewChangedAndEqual_RaisesOnlyWhenTheOfferDiffers()
    {
        ILocalPeer peer = _node.LocalPeer;
        var raised = 0;
        peer.OffersChanged += () => raised++;

        peer.SetOffer(new ServiceOffer("relay", new Dictionary<string, double> { ["reservations"] = 2, ["load"] = 0.1 }));
        peer.SetOffer(new ServiceOffer("relay", new Dictionary<string, double> { ["load"] = 0.1, ["reservations"] = 2 }));
        peer.SetOffer(new ServiceOffer("relay", new Dictionary<string, double> { ["reservations"] = 3, ["load"] = 0.1 }));
        peer.SetOffer(new ServiceOffer("dns", new Dictionary<string, double>()));

        Assert.Equal(3, raised);
        Assert.Equal(["relay", "dns"], peer.Offers.Select(o => o.Service));
        Assert.Equal(3, peer.Offers[0].Facts["reservations"]);
    }

    [Fact]
    public void WithdrawOffer_PresentOrAbsent_RemovesAndRaisesOnce()
    {
        ILocalPeer peer = _node.LocalPeer;
        peer.SetOffer(new ServiceOffer("relay", new Dictionary<string, double>()));
        var raised = 0;
        peer.OffersChanged += () => raised++;

        peer.WithdrawOffer("relay");
        peer.WithdrawOffer("relay");

        Assert.Empty(peer.Offers);
        Assert.Equal(1, raised);
    }

    public ValueTask DisposeAsync() => _node.DisposeAsync();
}
