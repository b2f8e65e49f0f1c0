using System.Net.Sockets;
using System.Security.Cryptography;
using PluginMesh.Plugins.Proxy.Iptables.Forwarding;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

/// <summary>
/// What every socket-to-socket relay must do (the copy/splice loop of <see cref="Splicer"/> and the
/// proxy's <see cref="SocketLoop"/>), between real loopback sockets: every byte in order both ways,
/// exact counts, half-close passed on, and an upstream reset ending the relay.
/// </summary>
public static class RelayScenarios
{
    /// <summary>Relays between the two proxy-side sockets; true when both directions ended cleanly.</summary>
    public delegate Task<bool> Relay(Socket proxyClientSide, Socket proxyUpstreamSide, IByteCounter counter, CancellationToken cancellationToken);

    /// <summary>Counts bytes per direction.</summary>
    public sealed class Counter : IByteCounter
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

    public static async Task<byte[]> ReadToEndAsync(Socket s, CancellationToken ct)
    {
        using var ms = new MemoryStream();
        var buffer = new byte[37_000];  // odd size: chunk boundaries never line up with the sender's
        int n;
        while ((n = await s.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0) ms.Write(buffer, 0, n);
        return ms.ToArray();
    }

    public static async Task SendAllAsync(Socket s, byte[] data, CancellationToken ct)
    {
        for (var off = 0; off < data.Length;)
        {
            var n = Math.Min(100_000, data.Length - off);
            off += await s.SendAsync(data.AsMemory(off, n), SocketFlags.None, ct);
        }
    }

    /// <summary>
    /// The client sends <paramref name="size"/> bytes and half-closes; the server reads them all, answers
    /// <paramref name="size"/> + 12 345 bytes and half-closes; the client reads the whole answer. Asserts
    /// both arrive intact, the relay ends clean, the counts are exact, and (<paramref name="expectSplice"/>)
    /// that splice(2) took over. Returns the proxy-side sockets (the caller's to check and dispose).
    /// </summary>
    public static async Task<(Socket ProxyClientSide, Socket ProxyUpstreamSide)> BulkBothWaysAsync(Relay relay, int size, bool expectSplice)
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
            var relaying = relay(proxyClientSide, proxyUpstreamSide, counter, timeout.Token);

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
            Assert.True(await relaying.WaitAsync(timeout.Token));
            Assert.Equal(request.Length, counter.In);
            Assert.Equal(response.Length, counter.Out);
            // Megabytes in 100 kB writes fill the 64 KiB buffer at some point: the kernel took over.
            if (expectSplice) Assert.True(KernelSplice.Started > splicedBefore, "splice(2) was never used");
        }
        return (proxyClientSide, proxyUpstreamSide);
    }

    /// <summary>
    /// The client streams without end; the server reads 1 MiB, then resets. Asserts the relay ends
    /// false and, once <paramref name="afterFailure"/> did what the relay's owner does then, that the
    /// client sees a reset.
    /// </summary>
    public static async Task UpstreamResetMidTransferAsync(Relay relay, Action<Socket, Socket> afterFailure)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (client, proxyClientSide) = await SocketPair.SocketsAsync();
        var (proxyUpstreamSide, server) = await SocketPair.SocketsAsync();
        using (client)
        using (proxyClientSide)
        using (proxyUpstreamSide)
        {
            var relaying = relay(proxyClientSide, proxyUpstreamSide, new Counter(), timeout.Token);
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

            Assert.False(await relaying.WaitAsync(timeout.Token));
            afterFailure(proxyClientSide, proxyUpstreamSide);
            // The client's side was reset too: its sends fail (or it reads a reset).
            var outcome = await sender.WaitAsync(TimeSpan.FromSeconds(30), timeout.Token);
            Assert.IsType<SocketException>(outcome);
        }
    }
}
