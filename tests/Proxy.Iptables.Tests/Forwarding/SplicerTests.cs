using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using PluginMesh.Plugins.Proxy.Iptables.Forwarding;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Forwarding;

/// <summary>
/// The splice loop between two real loopback sockets, with the copy loop and with splice(2) for
/// bulk data: every byte arrives in order both ways, counts are exact, half-close passes through,
/// and a reset on one side ends both.
/// </summary>
public sealed class SplicerTests
{
    private sealed class Counter : IByteCounter
    {
        private long _in;
        private long _out;

        public long In => Interlocked.Read(ref _in);

        public long Out => Interlocked.Read(ref _out);

        public void Add(bool inbound, long bytes)
        {
            if (inbound) Interlocked.Add(ref _in, bytes);
            else Interlocked.Add(ref _out, bytes);
        }
    }

    private static async Task<byte[]> ReadToEndAsync(Socket s, CancellationToken ct)
    {
        using var ms = new MemoryStream();
        var buffer = new byte[37_000];  // odd size: chunk boundaries never line up with the sender's
        int n;
        while ((n = await s.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0) ms.Write(buffer, 0, n);
        return ms.ToArray();
    }

    private static async Task SendAllAsync(Socket s, byte[] data, CancellationToken ct)
    {
        for (var off = 0; off < data.Length;)
        {
            var n = Math.Min(100_000, data.Length - off);
            off += await s.SendAsync(data.AsMemory(off, n), SocketFlags.None, ct);
        }
    }

    [Theory]
    [InlineData(false, 3_000_000)]
    [InlineData(true, 3_000_000)]
    [InlineData(true, 100)]
    [InlineData(true, 65_536)]
    public async Task Bulk_BothWays_AllBytesInOrder_HalfClosePassedOn(bool zeroCopy, int size)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (client, proxyClientSide) = await SocketPair.SocketsAsync();
        var (proxyUpstreamSide, server) = await SocketPair.SocketsAsync();
        using (client)
        using (server)
        {
            var request = RandomNumberGenerator.GetBytes(size);
            var response = RandomNumberGenerator.GetBytes(size + 12_345);
            var counter = new Counter();
            var splicedBefore = KernelSplice.Started;
            var clientConnection = new SocketConnection(proxyClientSide);
            var upstreamConnection = new SocketConnection(proxyUpstreamSide);
            var splice = Splicer.SpliceAsync(clientConnection, upstreamConnection, counter, timeout.Token, zeroCopy);

            // The server reads the whole request (ended by the client's half-close), then answers
            // and closes; the client reads the whole answer after having shut down its write side.
            var serverTask = Task.Run(async () =>
            {
                var got = await ReadToEndAsync(server, timeout.Token);
                await SendAllAsync(server, response, timeout.Token);
                server.Shutdown(SocketShutdown.Send);
                return got;
            });
            await SendAllAsync(client, request, timeout.Token);
            client.Shutdown(SocketShutdown.Send);
            var answer = await ReadToEndAsync(client, timeout.Token);

            Assert.Equal(request, await serverTask);
            Assert.Equal(response, answer);
            Assert.True(await splice);
            // Ended cleanly both ways: closing them now is a normal close again, not a reset.
            Assert.False(proxyClientSide.LingerState!.Enabled);
            Assert.False(proxyUpstreamSide.LingerState!.Enabled);
            Assert.Equal(request.Length, counter.In);
            Assert.Equal(response.Length, counter.Out);
            // Megabytes in 100 kB writes fill the 64 KiB copy buffer at some point: the kernel took over.
            if (zeroCopy && size > 1_000_000 && OperatingSystem.IsLinux()) Assert.True(KernelSplice.Started > splicedBefore, "splice(2) was never used");
        }
        proxyClientSide.Dispose();
        proxyUpstreamSide.Dispose();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Bulk_UpstreamResetMidTransfer_EndsBothSides(bool zeroCopy)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (client, proxyClientSide) = await SocketPair.SocketsAsync();
        var (proxyUpstreamSide, server) = await SocketPair.SocketsAsync();
        using (client)
        {
            var clientConnection = new SocketConnection(proxyClientSide);
            var upstreamConnection = new SocketConnection(proxyUpstreamSide);
            var splice = Splicer.SpliceAsync(clientConnection, upstreamConnection, new Counter(), timeout.Token, zeroCopy);

            // The client streams without end; the server reads 1 MiB, then resets.
            using var stopSending = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
            var sender = Task.Run(async () =>
            {
                var chunk = new byte[65_536];
                try
                {
                    while (true) await client.SendAsync(chunk, SocketFlags.None, stopSending.Token);
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException)
                {
                    return ex;
                }
            });
            var buffer = new byte[65_536];
            for (var total = 0; total < 1 << 20;) total += await server.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            server.LingerState = new LingerOption(true, 0);
            server.Dispose();

            Assert.False(await splice.WaitAsync(timeout.Token));
            // The client's side was reset too: its sends fail (or it reads a reset).
            var outcome = await sender.WaitAsync(TimeSpan.FromSeconds(30), timeout.Token);
            Assert.IsType<SocketException>(outcome);
        }
        proxyClientSide.Dispose();
        proxyUpstreamSide.Dispose();
    }

    [Fact]
    public async Task Copy_ReadsIntoTheSmallBuffer_UntilOneFillsIt_AndBackAfterAShortRead()
    {
        // What an idle kept-alive connection holds is the buffer its pending reads were given: small
        // while messages are small, large only while reads fill the small one (bulk), small again after.
        var from = new ScriptedSource([10, Splicer.SmallBufferSize, Splicer.BufferSize, 30_000, 100, 7]);
        var to = new NullSink();
        Assert.True(await Splicer.SpliceAsync(from, to, new Counter(), TestTimeout.Token()));
        Assert.Equal(
            [Splicer.SmallBufferSize, Splicer.SmallBufferSize, Splicer.BufferSize, Splicer.BufferSize, Splicer.BufferSize, Splicer.SmallBufferSize, Splicer.SmallBufferSize],
            from.Offered);
        Assert.Equal(10 + Splicer.SmallBufferSize + Splicer.BufferSize + 30_000 + 100 + 7, to.Written);
    }

    /// <summary>Returns reads of the scripted sizes (as far as each buffer allows), then end of stream; records each buffer's size.</summary>
    private sealed class ScriptedSource(int[] sizes) : IDuplexConnection
    {
        private int _next;

        public List<int> Offered { get; } = [];

        public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            Offered.Add(buffer.Length);
            return ValueTask.FromResult(_next < sizes.Length ? Math.Min(sizes[_next++], buffer.Length) : 0);
        }

        public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask CloseWriteAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public void Abort()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>Counts what is written; its own reads end at once.</summary>
    private sealed class NullSink : IDuplexConnection
    {
        public long Written { get; private set; }

        public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) => ValueTask.FromResult(0);

        public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            Written += data.Length;
            return ValueTask.CompletedTask;
        }

        public ValueTask CloseWriteAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public void Abort()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
