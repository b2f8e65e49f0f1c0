using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Plugins.Proxy.Iptables.Forwarding;
using PluginMesh.Plugins.Proxy.Iptables.Netns;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Forwarding;

/// <summary>
/// The accept loop in both of its forms (awaited accepts; a thread blocked in accept(2), as iptables
/// mode's redirect listener uses): a connection for no service is reset, and disposing the loop
/// ends it and closes the port, also when the thread is blocked in accept.
/// </summary>
public sealed class TcpAcceptLoopTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UnknownDestinationIsReset_AndDisposeClosesThePort(bool dedicatedThread)
    {
        var options = new ProxyOptions();
        var dialer = new EndpointDialer(options, new RoutePlanner(options, tunnelAvailable: false), null, null, HostSocketFactory.Instance,
            TimeProvider.System, NullLogger.Instance);
        using var scope = new ConnectionScope();
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        var resolved = 0;
        var loop = new TcpAcceptLoop(listener, _ =>
        {
            Interlocked.Increment(ref resolved);
            return null;
        }, new TcpForwarder(dialer, NullLogger.Instance), scope, NullLogger.Instance, dedicatedThread);
        var endPoint = new IPEndPoint(IPAddress.Loopback, loop.Port);

        for (var i = 0; i < 3; i++)
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            // On loopback the reset can arrive before the connect's own completion is looked at.
            var ex = await Assert.ThrowsAsync<SocketException>(async () =>
            {
                await client.ConnectAsync(endPoint);
                await client.ReceiveAsync(new byte[16], SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(30));
            });
            Assert.Equal(SocketError.ConnectionReset, ex.SocketErrorCode);
        }
        Assert.Equal(3, Volatile.Read(ref resolved));

        await loop.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        using var late = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(async () => await late.ConnectAsync(endPoint));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }
}
