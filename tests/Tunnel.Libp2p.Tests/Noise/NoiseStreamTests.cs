using System.Security.Cryptography;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Tunnel.Libp2p.Noise;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Noise;

public sealed class NoiseStreamTests
{
    private static readonly string[] Yamux = ["/yamux/1.0.0"];

    public static TheoryData<int[], int> MixedWrites => new()
    {
        // Small messages, then ones larger than the small receive buffer, then small again.
        { [1, 100, 70_000, 5, 300_000, 16_000, 17_000, 2, 65_519, 65_520], 256 * 1024 },
        // A reader with a buffer smaller than most messages (plaintext waits in the stream).
        { [1, 100, 70_000, 5, 300_000, 16_000, 17_000, 2, 65_519, 65_520], 777 },
    };

    [Theory]
    [MemberData(nameof(MixedWrites))]
    public async Task Transport_MixedMessageSizes_ArriveIntactAndNoBufferIsHeldAfterwards(int[] writes, int readSize)
    {
        var ct = TestTimeout.Token();
        var (initiator, responder) = await HandshakeAsync(Yamux, Yamux, ct);
        var payload = RandomNumberGenerator.GetBytes(writes.Sum());
        var writer = Task.Run(async () =>
        {
            var at = 0;
            foreach (var w in writes)
            {
                await initiator.Stream.WriteAsync(payload.AsMemory(at, w), ct);
                at += w;
            }
        }, ct);
        var got = new byte[payload.Length];
        for (var at = 0; at < got.Length;)
        {
            var n = await responder.Stream.ReadAsync(got.AsMemory(at, Math.Min(readSize, got.Length - at)), ct);
            Assert.NotEqual(0, n);
            at += n;
        }
        await writer;
        Assert.Equal(payload, got);

        // Drained: a read that waits for more holds no pooled buffer.
        Assert.False(responder.Stream.HoldsReceiveBuffers, "held after draining");
        var pending = responder.Stream.ReadAsync(new byte[16], ct).AsTask();
        await Task.Delay(50, ct);
        Assert.False(pending.IsCompleted);
        Assert.False(responder.Stream.HoldsReceiveBuffers);
        await initiator.Stream.DisposeAsync();
        Assert.Equal(0, await pending);
        await responder.Stream.DisposeAsync();
    }

    [Fact]
    public async Task Handshake_RemoteMessageLargerThanLocalBuffer_Completes()
    {
        // Many long muxer names make the responder's message 2 several KiB, more than the initiator's
        // own (small) payload sized its buffers for.
        var manyMuxers = Enumerable.Range(0, 20).Select(i => $"/pluginmesh/a-rather-long-muxer-name-that-only-makes-the-handshake-payload-bigger/{i:D3}/1.0.0").Append("/yamux/1.0.0").ToArray();
        var ct = TestTimeout.Token();
        var (initiator, responder) = await HandshakeAsync(Yamux, manyMuxers, ct);
        Assert.Equal("/yamux/1.0.0", initiator.Muxer);
        Assert.Equal("/yamux/1.0.0", responder.Muxer);
        await initiator.Stream.WriteAsync(new byte[] { 1, 2, 3 }, ct);
        var got = new byte[3];
        await responder.Stream.ReadExactlyAsync(got, ct);
        Assert.Equal(new byte[] { 1, 2, 3 }, got);
        await initiator.Stream.DisposeAsync();
        await responder.Stream.DisposeAsync();
    }

    private static async Task<(NoiseHandshakeResult Initiator, NoiseHandshakeResult Responder)> HandshakeAsync(string[] initiatorMuxers, string[] responderMuxers, CancellationToken ct)
    {
        var (a, b) = await SocketPair.StreamsAsync();
        using var ka = PrivateKey.Generate();
        using var kb = PrivateKey.Generate();
        var responder = NoiseHandshake.RunAsync(b, false, kb, null, responderMuxers, ct);
        var initiator = await NoiseHandshake.RunAsync(a, true, ka, kb.PeerId, initiatorMuxers, ct);
        return (initiator, await responder);
    }
}
