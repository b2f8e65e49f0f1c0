using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Plugins.Proxy.Iptables.Forwarding;
using PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Forwarding;

/// <summary>
/// (Linux, as the whole suite.) The proxy's own event loop between real loopback sockets: every byte in order both ways (copy and
/// splice), exact counts, half-close passed on, a reset ending both sides, agent stop and loop
/// disposal ending relays, and connects that succeed, are refused, or are cancelled while pending.
/// </summary>
public sealed class SocketLoopTests : IDisposable
{
    private readonly SocketLoop _loop = new(NullLogger.Instance);

    public void Dispose() => _loop.Dispose();

    private RelayScenarios.Relay Through(bool zeroCopy) => (c, u, counter, ct) => _loop.RelayAsync(c, u, counter, zeroCopy, ct);

    [Theory]
    [InlineData(false, 8_000_000)]
    [InlineData(true, 8_000_000)]
    [InlineData(true, 100)]
    [InlineData(true, 65_536)]
    public async Task Relay_BothWays_AllBytesInOrder_HalfClosePassedOn(bool zeroCopy, int size)
    {
        var (proxyClientSide, proxyUpstreamSide) = await RelayScenarios.BulkBothWaysAsync(Through(zeroCopy), size, expectSplice: zeroCopy && size > 1_000_000);
        proxyClientSide.Dispose();
        proxyUpstreamSide.Dispose();
        Assert.Equal(0, _loop.Active);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task Relay_UpstreamResetMidTransfer_EndsFalse_AndTheForwarderResetsTheClient(bool zeroCopy) =>
        // What the forwarder does after a relay that did not end cleanly: SocketConnection.Abort.
        RelayScenarios.UpstreamResetMidTransferAsync(Through(zeroCopy), (clientSide, _) => new SocketConnection(clientSide).Abort());

    [Fact]
    public async Task Relay_Cancelled_EndsFalse_WhileIdle()
    {
        var (client, proxyClientSide) = await SocketPair.SocketsAsync();
        var (proxyUpstreamSide, server) = await SocketPair.SocketsAsync();
        using (client)
        using (server)
        using (proxyClientSide)
        using (proxyUpstreamSide)
        {
            using var stop = new CancellationTokenSource();
            var relay = _loop.RelayAsync(proxyClientSide, proxyUpstreamSide, new RelayScenarios.Counter(), zeroCopy: true, stop.Token);
            // One round trip first, so the relay is registered and waiting.
            await client.SendAsync(new byte[] { 1, 2, 3 }, SocketFlags.None);
            var got = new byte[3];
            Assert.Equal(3, await server.ReceiveAsync(got, SocketFlags.None, TestTimeout.Token()));
            Assert.Equal(1, _loop.Active);

            await stop.CancelAsync();
            Assert.False(await relay.WaitAsync(TestTimeout.Token()));
            Assert.Equal(0, _loop.Active);
        }
    }

    [Fact]
    public async Task Dispose_EndsRunningRelays()
    {
        var loop = new SocketLoop(NullLogger.Instance);
        var (client, proxyClientSide) = await SocketPair.SocketsAsync();
        var (proxyUpstreamSide, server) = await SocketPair.SocketsAsync();
        using (client)
        using (server)
        using (proxyClientSide)
        using (proxyUpstreamSide)
        {
            var relay = loop.RelayAsync(proxyClientSide, proxyUpstreamSide, new RelayScenarios.Counter(), zeroCopy: false, CancellationToken.None);
            loop.Dispose();
            Assert.False(await relay.WaitAsync(TestTimeout.Token()));
            // A relay asked for after the loop ended ends at once.
            Assert.False(await loop.RelayAsync(proxyClientSide, proxyUpstreamSide, new RelayScenarios.Counter(), zeroCopy: false, CancellationToken.None).WaitAsync(TestTimeout.Token()));
        }
    }

    [Fact]
    public async Task ManyConnections_Concurrently_EchoEveryByte()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var echo = new TcpEchoServer();
        var echoEndPoint = new IPEndPoint(IPAddress.Loopback, echo.Port);
        var counter = new RelayScenarios.Counter();
        const int connections = 200;
        var tasks = Enumerable.Range(0, connections).Select(async i =>
        {
            var (client, proxyClientSide) = await SocketPair.SocketsAsync();
            using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await _loop.ConnectAsync(upstream, echoEndPoint, timeout.Token);
            using (client)
            using (proxyClientSide)
            {
                var relay = _loop.RelayAsync(proxyClientSide, upstream, counter, zeroCopy: true, timeout.Token);
                var message = RandomNumberGenerator.GetBytes(1_000 + i * 97);
                await RelayScenarios.SendAllAsync(client, message, timeout.Token);
                client.Shutdown(SocketShutdown.Send);
                Assert.Equal(message, await RelayScenarios.ReadToEndAsync(client, timeout.Token));
                Assert.True(await relay.WaitAsync(timeout.Token));
                return message.Length;
            }
        }).ToList();
        var sent = (await Task.WhenAll(tasks)).Sum();

        Assert.Equal(sent, counter.In);
        Assert.Equal(sent, counter.Out);
        Assert.Equal(0, _loop.Active);
        Assert.True(_loop.Relays >= connections);
    }

    [Fact]
    public async Task Accept_HandsEachConnectionOver_OneThatThrowsIsReset_AndAcceptingGoesOn()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        var handed = new System.Collections.Concurrent.ConcurrentQueue<(Socket Socket, string? Thread)>();
        var calls = 0;
        var accepting = _loop.Accept(listener, accepted =>
        {
            if (Interlocked.Increment(ref calls) == 1) throw new InvalidOperationException("a bug in the first hand-over");
            handed.Enqueue((accepted, Thread.CurrentThread.Name));
        });

        using var first = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        // The first is reset by the loop (seen by the connect itself or by the first read), never left hanging.
        var buffer = new byte[1];
        var reset = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            await first.ConnectAsync(listener.LocalEndPoint!);
            await first.ReceiveAsync(buffer, SocketFlags.None, TestTimeout.Token());
        });
        Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);

        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await second.ConnectAsync(listener.LocalEndPoint!);
        await Eventually.TrueAsync(() => !handed.IsEmpty, "the second connection handed over");
        Assert.True(handed.TryDequeue(out var got));
        Assert.Equal("proxy loop", got.Thread);
        got.Socket.Dispose();

        await accepting.DisposeAsync();
        // Stopped: a new connection waits in the backlog, nobody takes it.
        using var third = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await third.ConnectAsync(listener.LocalEndPoint!);
        await Task.Delay(100);
        Assert.Empty(handed);
        Assert.Equal(2, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task Connect_Refused_IsASocketExceptionNamingIt()
    {
        // A port nothing listens on: bound, never listened.
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        var ex = await Assert.ThrowsAsync<SocketException>(() => _loop.ConnectAsync(socket, (IPEndPoint)closed.LocalEndPoint!, TestTimeout.Token()));
        Assert.Equal(SocketError.ConnectionRefused, ex.SocketErrorCode);
    }

    [Fact]
    public async Task Connect_Pending_IsCancelled_ByItsToken()
    {
        // A listener whose accept queue is full drops further SYNs: the next connect stays pending.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var target = (IPEndPoint)listener.LocalEndPoint!;
        var fillers = new List<Socket>();
        try
        {
            Task? pending = null;
            using var cancel = new CancellationTokenSource();
            for (var i = 0; i < 8 && pending is null; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(socket);
                var connect = _loop.ConnectAsync(socket, target, cancel.Token);
                if (await Task.WhenAny(connect, Task.Delay(300)) != connect) pending = connect;
            }
            Assert.NotNull(pending);

            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending!.WaitAsync(TestTimeout.Token()));
        }
        finally
        {
            foreach (var s in fillers) s.Dispose();
        }
    }
}
