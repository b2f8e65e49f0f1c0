using PluginMesh.Plugins.Proxy.Socks5.Socks;
using PluginMesh.Plugins.Proxy.Socks5.Tests.Support;

namespace PluginMesh.Plugins.Proxy.Socks5.Tests.Socks;

/// <summary>
/// Garbage, truncated and oversized input, to the parser and to a running listener: the parser
/// never throws and never reads past what it was given; the listener answers or closes every
/// connection and keeps serving.
/// </summary>
[Collection(MeshCollection.Name)]
public sealed class ParserFuzzTests(Mesh mesh)
{
    [Fact]
    public void Parser_RandomInput_NeverThrows_AndConsumesAtMostTheInput()
    {
        var random = new Random(1928);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 600)];
            random.NextBytes(bytes);
            // Bias towards the shapes that get deep into the parsers.
            if (bytes.Length > 0 && random.Next(2) == 0) bytes[0] = random.Next(2) == 0 ? (byte)5 : (byte)1;
            if (bytes.Length > 3 && random.Next(2) == 0) bytes[3] = (byte)random.Next(0, 6);
            var buffer = i % 7 == 0 ? Socks5ParserTests.Fragmented(bytes) : new System.Buffers.ReadOnlySequence<byte>(bytes);

            Check(Socks5Parser.Greeting(buffer, out var c1, out _, out var e1), buffer.Slice(0, c1).Length, e1);
            Check(Socks5Parser.Credentials(buffer, out var c2, out _, out var e2), buffer.Slice(0, c2).Length, e2);
            Check(Socks5Parser.Request(buffer, out var c3, out _, out var e3), buffer.Slice(0, c3).Length, e3);

            void Check(ParseResult result, long consumed, string error)
            {
                Assert.InRange(consumed, 0, bytes.Length);
                Assert.True(result == ParseResult.Done ? consumed > 0 : consumed == 0, $"input {i}: {result} consumed {consumed}");
                Assert.Equal(result == ParseResult.Invalid, error.Length > 0);
            }
        }
    }

    public static TheoryData<string, byte[]> Hostile()
    {
        var random = new Random(1929);
        var data = new TheoryData<string, byte[]>
        {
            { "http request", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray() },
            { "socks4", [4, 1, 0, 22, 127, 0, 0, 1, 0] },
            { "greeting cut short", [5, 200, 0, 1] },
            { "no methods", [5, 0] },
            { "request cut inside the name", [5, 1, 0, 5, 1, 0, 3, 200, (byte)'n', (byte)'o'] },
            { "request of unknown address type", [5, 1, 0, 5, 1, 0, 7, 0, 0, 0, 0, 0, 22] },
            { "oversized: 1 MiB after the greeting", [5, 1, 0, .. new byte[1 << 20]] },
            { "longest domain, then more", [5, 1, 0, 5, 1, 0, 3, 255, .. Enumerable.Repeat((byte)'a', 255), 0, 22, .. new byte[4096]] },
        };
        for (var i = 0; i < 8; i++)
        {
            var bytes = new byte[random.Next(1, 2048)];
            random.NextBytes(bytes);
            data.Add($"random {i}", bytes);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task Listener_HostileInput_AnswersOrCloses_AndKeepsServing(string what, byte[] bytes)
    {
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(mesh.A.Proxy);
            try
            {
                await socket.SendAsync(bytes, SocketFlags.None, TestTimeout.Token());
                socket.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException)
            {
                // The proxy may close and reset before it has read everything: that is closing cleanly too.
            }
            // Whatever comes back is a method choice and at most one reply, then the end.
            var answer = await SocksClient.ReadToEndAsync(socket);
            Assert.True(answer.Length <= 2 + 10, $"{what}: {answer.Length} bytes came back");
        }

        // The listener still serves a well-formed client.
        var (reply, ok) = await SocksClient.RequestAsync(mesh.A.Proxy, SocksClient.Connect("node-b", mesh.Echo.Port));
        ok.Dispose();
        Assert.Equal((byte)Socks5Reply.Succeeded, reply);
    }
}
