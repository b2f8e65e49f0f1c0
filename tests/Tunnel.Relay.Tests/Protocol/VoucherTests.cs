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
        var bytes = Voucher.Create(new KeyPeer(relay), relay.PeerId.Multihash.ToArray(), peer.PeerId.Multihash.ToArray(), 1_800_000_000);

        var voucher = Voucher.TryOpen(bytes, out var envelope);
        Assert.NotNull(voucher);
        Assert.Equal(new byte[] { 0x82, 0x06 }, envelope!.PayloadType.ToByteArray());
        Assert.Equal(relay.PublicKey.Protobuf, envelope.PublicKey.ToByteArray());
        Assert.Equal(relay.PeerId.Multihash.ToArray(), voucher!.Relay.ToByteArray());
        Assert.Equal(peer.PeerId.Multihash.ToArray(), voucher.Peer.ToByteArray());
        Assert.Equal(1_800_000_000ul, voucher.Expiration);

        var signed = Voucher.SignedBytes(envelope.PayloadType.Span, envelope.Payload.Span);
        Assert.True(PublicKey.FromProtobuf(envelope.PublicKey.Span).Verify(signed, envelope.Signature.Span, out var reason), reason);
        // The domain is part of what is signed: the same bytes under another domain must not verify.
        var other = System.Text.Encoding.UTF8.GetBytes("libp2p-peer-record");
        var forged = new byte[] { (byte)other.Length }.Concat(other).Concat(signed[(1 + "libp2p-relay-rsvp".Length)..]).ToArray();
        Assert.False(PublicKey.FromProtobuf(envelope.PublicKey.Span).Verify(forged, envelope.Signature.Span));
    }

    private sealed class KeyPeer(PrivateKey key) : ILocalPeer
    {
        public string PeerId => key.PeerId.ToString();

        public IReadOnlyList<string> Addresses => [];

        public event Action? AddressesChanged { add { } remove { } }

        public ReadOnlyMemory<byte> PublicKey => key.PublicKey.Protobuf.ToArray();

        public byte[] Sign(ReadOnlySpan<byte> data) => key.Sign(data);
    }
}
