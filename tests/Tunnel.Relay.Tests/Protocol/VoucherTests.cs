using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Tunnel.Relay.Protocol;
using PluginMesh.Abstractions.Tunnel;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Protocol;

public sealed class VoucherTests
{
    [Fact]
    public void Create_SignsAnEnvelopeThatVerifiesWithTheRelayKey()
    {
        using var relay = PrivateKey.Generate();
        using var peer = PrivateKey.Generate();
        var bytes = Voucher.Create(new KeyPeer(relay), peer.PeerId, 1_800_000_000);

        var voucher = Voucher.TryOpen(bytes, out var envelope);
        Assert.NotNull(voucher);
        Assert.Equal(new byte[] { 0x82, 0x06 }, envelope!.PayloadType);
        Assert.Equal(relay.PublicKey.Protobuf.ToArray(), envelope.PublicKey);
        Assert.Equal(relay.PeerId.Multihash.ToArray(), voucher!.Relay);
        Assert.Equal(peer.PeerId.Multihash.ToArray(), voucher.Peer);
        Assert.Equal(1_800_000_000ul, voucher.Expiration);

        var signed = Voucher.SignedBytes(envelope.PayloadType, envelope.Payload);
        Assert.True(PublicKey.FromProtobuf(envelope.PublicKey).Verify(signed, envelope.Signature, out var reason), reason);
        // The domain is part of what is signed: the same bytes under another domain must not verify.
        var other = System.Text.Encoding.UTF8.GetBytes("libp2p-peer-record");
        var forged = new byte[] { (byte)other.Length }.Concat(other).Concat(signed[(1 + "libp2p-relay-rsvp".Length)..]).ToArray();
        Assert.False(PublicKey.FromProtobuf(envelope.PublicKey).Verify(forged, envelope.Signature));
    }

    private sealed class KeyPeer(PrivateKey key) : ILocalPeer
    {
        public PeerId PeerId => key.PeerId;

        public IReadOnlyList<Multiaddr> Addresses => [];

        public event Action? AddressesChanged { add { } remove { } }

        public PublicKey PublicKey => key.PublicKey;

        public byte[] Sign(ReadOnlySpan<byte> data) => key.Sign(data);


        private readonly PluginMesh.TestSupport.OfferList _offers = new();


        public IReadOnlyList<ServiceOffer> Offers => _offers.Offers;


        public event Action? OffersChanged { add => _offers.Changed += value; remove => _offers.Changed -= value; }


        public void SetOffer(ServiceOffer offer) => _offers.Set(offer);


        public void WithdrawOffer(string service) => _offers.Withdraw(service);
    }
}
