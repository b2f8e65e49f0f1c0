using PluginMesh.Abstractions.Tunnel;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests.Support;

/// <summary>An <see cref="ILocalPeer"/> whose addresses and offers the test sets, raising the events the tunnel's LocalPeer raises.</summary>
internal sealed class TestLocalPeer(PeerId peerId) : ILocalPeer
{
    private readonly OfferList _offers = new();
    private IReadOnlyList<Multiaddr> _addresses = [];

    public PeerId PeerId => peerId;

    public IReadOnlyList<Multiaddr> Addresses => Volatile.Read(ref _addresses);

    public event Action? AddressesChanged;

    public IReadOnlyList<ServiceOffer> Offers => _offers.Offers;

    public event Action? OffersChanged
    {
        add => _offers.Changed += value;
        remove => _offers.Changed -= value;
    }

    public PublicKey PublicKey => throw new NotSupportedException("the publisher never reads the key");

    public void SetOffer(ServiceOffer offer) => _offers.Set(offer);

    public void WithdrawOffer(string service) => _offers.Withdraw(service);

    public byte[] Sign(ReadOnlySpan<byte> data) => throw new NotSupportedException("the publisher never signs");

    /// <summary>Announces <paramref name="addresses"/> (each gets <c>/p2p/&lt;PeerId&gt;</c>, as the tunnel's do).</summary>
    public void Announce(params string[] addresses)
    {
        Volatile.Write(ref _addresses, [.. addresses.Select(a => Multiaddr.Parse(a).WithPeerId(peerId))]);
        AddressesChanged?.Invoke();
    }

    public void OfferRelay() => SetOffer(new ServiceOffer("relay", new Dictionary<string, double> { ["load"] = 0.1 }));
}
