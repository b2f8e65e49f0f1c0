using System.Buffers.Binary;
using System.Security.Cryptography;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Tunnel.Libp2p.Noise;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Noise;

public sealed class NoiseHandshakeTests
{
    private static readonly string[] Yamux = ["/yamux/1.0.0"];

    [Fact]
    public async Task Handshake_BothSides_LearnPeersAndAgreeInlinedMuxer()
    {
        var (a, b) = await SocketPair.StreamsAsync();
        using var ka = PrivateKey.Generate();
        using var kb = PrivateKey.Generate();
        var ct = TestTimeout.Token();
        var responder = NoiseHandshake.RunAsync(b, false, kb, null, Yamux, ct);
        var initiator = await NoiseHandshake.RunAsync(a, true, ka, kb.PeerId, Yamux, ct);
        var r = await responder;
        Assert.Equal(kb.PeerId, initiator.RemotePeerId);
        Assert.Equal(ka.PeerId, r.RemotePeerId);
        Assert.Equal("/yamux/1.0.0", initiator.Muxer);
        Assert.Equal("/yamux/1.0.0", r.Muxer);

        // Large writes are split into several messages and arrive intact.
        var payload = RandomNumberGenerator.GetBytes(200_000);
        var write = initiator.Stream.WriteAsync(payload, ct).AsTask();
        var got = new byte[payload.Length];
        await r.Stream.ReadExactlyAsync(got, ct);
        await write;
        Assert.Equal(payload, got);
        await initiator.Stream.DisposeAsync();
        Assert.Equal(0, await r.Stream.ReadAsync(new byte[1], ct));
        await r.Stream.DisposeAsync();
    }

    [Fact]
    public async Task Handshake_OneSideOffersNoMuxer_NoInlinedMuxer()
    {
        var (a, b) = await SocketPair.StreamsAsync();
        using var ka = PrivateKey.Generate();
        using var kb = PrivateKey.Generate();
        var ct = TestTimeout.Token();
        var responder = NoiseHandshake.RunAsync(b, false, kb, null, [], ct);
        var initiator = await NoiseHandshake.RunAsync(a, true, ka, null, Yamux, ct);
        Assert.Null(initiator.Muxer);
        Assert.Null((await responder).Muxer);
        await initiator.Stream.DisposeAsync();
    }

    [Fact]
    public async Task Handshake_UnexpectedPeer_InitiatorRejectsBeforeRevealingItself()
    {
        var (a, b) = await SocketPair.StreamsAsync();
        using var ka = PrivateKey.Generate();
        using var kb = PrivateKey.Generate();
        using var other = PrivateKey.Generate();
        var ct = TestTimeout.Token();
        var responder = NoiseHandshake.RunAsync(b, false, kb, null, Yamux, ct);
        var e = await Assert.ThrowsAsync<NoiseException>(() => NoiseHandshake.RunAsync(a, true, ka, other.PeerId, Yamux, ct));
        Assert.Contains(other.PeerId.ToString(), e.Message, StringComparison.Ordinal);
        a.Dispose();
        await Assert.ThrowsAnyAsync<IOException>(() => responder);
    }

    [Fact]
    public async Task Transport_TamperedMessage_FailsAuthentication()
    {
        var (a, b) = await SocketPair.StreamsAsync();
        using var ka = PrivateKey.Generate();
        using var kb = PrivateKey.Generate();
        var ct = TestTimeout.Token();
        var responder = NoiseHandshake.RunAsync(b, false, kb, null, Yamux, ct);
        var initiator = await NoiseHandshake.RunAsync(a, true, ka, null, Yamux, ct);
        var r = await responder;
        // Write a well-framed message whose ciphertext is not from the session key straight to the socket.
        var forged = new byte[2 + 40];
        BinaryPrimitives.WriteUInt16BigEndian(forged, 40);
        RandomNumberGenerator.Fill(forged.AsSpan(2));
        await a.WriteAsync(forged, ct);
        var e = await Assert.ThrowsAsync<NoiseException>(async () => await r.Stream.ReadExactlyAsync(new byte[24], ct));
        Assert.Contains("authentication", e.Message, StringComparison.Ordinal);
        await initiator.Stream.DisposeAsync();
        await r.Stream.DisposeAsync();
    }

    [Fact]
    public void Hkdf_MatchesRfc5869StyleConstruction()
    {
        // Noise's HKDF equals RFC 5869 HKDF-SHA256 with salt = chaining key and empty info.
        var ck = RandomNumberGenerator.GetBytes(32);
        var ikm = RandomNumberGenerator.GetBytes(32);
        var o1 = new byte[32];
        var o2 = new byte[32];
        SymmetricState.Hkdf(ck, ikm, o1, o2);
        var expected = HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 64, ck, []);
        Assert.Equal(expected[..32], o1);
        Assert.Equal(expected[32..], o2);
    }
}
