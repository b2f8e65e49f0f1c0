using PluginMesh.Abstractions.Tunnel;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Support;

/// <summary>
/// <see cref="ILocalPeer"/> over a libp2p identity key, the adapter the tunnel plugin will provide:
/// addresses are set by the test (or read from a running host).
/// </summary>
internal sealed class KeyLocalPeer(PrivateKey key, Func<IReadOnlyList<Multiaddr>>? addresses = null) : ILocalPeer
{
    private IReadOnlyList<Multiaddr> _fixed = [];

    public PeerId PeerId => key.PeerId;

    public IReadOnlyList<Multiaddr> Addresses => addresses?.Invoke() ?? _fixed;

    public event Action? AddressesChanged;

    public PublicKey PublicKey => key.PublicKey;

    public byte[] Sign(ReadOnlySpan<byte> data) => key.Sign(data);


    private readonly PluginMesh.TestSupport.OfferList _offers = new();


    public IReadOnlyList<ServiceOffer> Offers => _offers.Offers;


    public event Action? OffersChanged { add => _offers.Changed += value; remove => _offers.Changed -= value; }


    public void SetOffer(ServiceOffer offer) => _offers.Set(offer);


    public void WithdrawOffer(string service) => _offers.Withdraw(service);

    public void SetAddresses(IReadOnlyList<string> value)
    {
        _fixed = [.. value.Select(Multiaddr.Parse)];
        AddressesChanged?.Invoke();
    }

    /// <summary>Raises <see cref="AddressesChanged"/> for addresses read from a host.</summary>
    public void RaiseChanged() => AddressesChanged?.Invoke();
}
