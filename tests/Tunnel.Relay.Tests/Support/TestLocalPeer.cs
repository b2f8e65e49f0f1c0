using PluginMesh.Abstractions.Tunnel;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

/// <summary>
/// ILocalPeer over a real libp2p node's identity: the tunnel plugin does not provide one yet, so the
/// test supplies the same thing it will (PeerId, key protobuf, Ed25519 signing, listen addresses).
/// </summary>
internal sealed class TestLocalPeer(Libp2pNodeService node) : ILocalPeer
{
    public PeerId PeerId => node.Identity.PeerId;

    public IReadOnlyList<Multiaddr> Addresses =>
        [.. (node.Host?.ListenAddresses ?? []).Select(a => a.WithPeerId(node.Identity.PeerId))];

    public event Action? AddressesChanged { add { } remove { } }

    public PublicKey PublicKey => node.Identity.PublicKey;

    public byte[] Sign(ReadOnlySpan<byte> data) => node.Identity.Sign(data);


    private readonly PluginMesh.TestSupport.OfferList _offers = new();


    public IReadOnlyList<ServiceOffer> Offers => _offers.Offers;


    public event Action? OffersChanged { add => _offers.Changed += value; remove => _offers.Changed -= value; }


    public void SetOffer(ServiceOffer offer) => _offers.Set(offer);


    public void WithdrawOffer(string service) => _offers.Withdraw(service);
}
