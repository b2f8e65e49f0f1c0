using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Tunnel.Libp2p.Multistream;
using PluginMesh.Plugins.Tunnel.Libp2p.Noise;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;
using PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Robustness;

/// <summary>
/// Garbage on the wire for each connection-level parser: multistream-select, the Noise handshake,
/// Noise transport frames and Yamux frames. Each must end with an IOException (a clean close with a
/// reason), never another exception type or a hang.
/// </summary>
public sealed class StreamFuzzTests
{
    private const int Rounds = 200;

    [Fact]
    public async Task Multistream_RandomInput_OnlyIOException()
    {
        var random = new Random(1);
        for (var i = 0; i < Rounds; i++)
        {
            var input = RandomBytes(random, 2000);
            await using var duplex = new DuplexStream(new MemoryStream(input));
            try
            {
                await MultistreamSelect.HandleAsync(duplex, ["/a/1"], TestTimeout.Token(10));
            }
            catch (IOException)
            {
            }
        }
    }

    [Fact]
    public async Task NoiseHandshake_RandomInput_OnlyIOException()
    {
        using var key = PrivateKey.Generate();
        var random = new Random(2);
        for (var i = 0; i < Rounds; i++)
        {
            var input = RandomBytes(random, 400);
            if (i % 2 == 0 && input.Length >= 2)
            {
                // Plausible length prefix so the bytes reach the cryptography, not only the framing.
                input[0] = 0;
                input[1] = (byte)Math.Min(input.Length - 2, 255);
            }
            await using var duplex = new DuplexStream(new MemoryStream(input));
            try
            {
                await NoiseHandshake.RunAsync(duplex, i % 4 < 2, key, null, ["/yamux/1.0.0"], TestTimeout.Token(10));
            }
            catch (IOException)
            {
            }
        }
    }

    [Fact]
    public async Task NoiseTransport_RandomFrames_OnlyIOException()
    {
        var random = new Random(3);
        for (var i = 0; i < Rounds; i++)
        {
            var send = new CipherState();
            var receive = new CipherState();
            receive.InitializeKey(new byte[32]);
            send.InitializeKey(new byte[32]);
            var input = RandomBytes(random, 3000);
            await using var noise = new NoiseStream(new DuplexStream(new MemoryStream(input)), send, receive);
            try
            {
                var buffer = new byte[70_000];
                while (await noise.ReadAsync(buffer, TestTimeout.Token(10)) > 0)
                {
                }
            }
            catch (IOException)
            {
            }
        }
    }

    [Fact]
    public async Task Yamux_RandomFrames_SessionClosesWithReason()
    {
        var random = new Random(4);
        for (var i = 0; i < 40; i++)
        {
            var (raw, b) = await SocketPair.StreamsAsync();
            var session = new YamuxSession(b, isClient: i % 2 == 0, new YamuxOptions { KeepAliveInterval = TimeSpan.Zero }, s => s.Reset());
            session.Start();
            var input = RandomBytes(random, 4000);
            if (i % 2 == 1) input[0] = 0; // valid version so frame handling, not only the header check, is reached
            try
            {
                await raw.WriteAsync(input, TestTimeout.Token(10));
            }
            catch (IOException)
            {
            }
            raw.Dispose();
            await session.Completion.WaitAsync(TestTimeout.Token(30));
            Assert.False(string.IsNullOrEmpty(session.CloseReason));
            Assert.Equal(0, session.StreamCount);
        }
    }

    private static byte[] RandomBytes(Random random, int max)
    {
        var bytes = new byte[random.Next(1, max)];
        random.NextBytes(bytes);
        return bytes;
    }
}
