using System.Net;
using System.Net.Sockets;
using PluginMesh.Plugins.Proxy.Iptables.Forwarding;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Forwarding;

/// <summary>
/// How a proxied socket ends when it is closed without the splice finishing — which is what the
/// kernel does to every socket of an agent that was SIGKILLed or OOM-killed: a reset, so the peer
/// never mistakes a cut-off answer for a complete one; and a normal FIN once both directions ended.
/// </summary>
public sealed class SocketConnectionTests
{
    [Fact]
    public async Task ClosedWhileInUse_AsAtProcessDeath_ResetsThePeer()
    {
        var (peer, ours) = await SocketPair.SocketsAsync();
        using (peer)
        {
            _ = new SocketConnection(ours);
            await peer.SendAsync(new byte[] { 1 }, SocketFlags.None);
            var one = new byte[1];
            Assert.Equal(1, await ours.ReceiveAsync(one, SocketFlags.None));

            // A plain close of the descriptor, no Abort, no shutdown: what exit does to it.
            ours.Close();

            var ex = await Assert.ThrowsAsync<SocketException>(async () => await peer.ReceiveAsync(new byte[16], SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(SocketError.ConnectionReset, ex.SocketErrorCode);
        }
    }

    [Fact]
    public async Task ClosedAfterEndingCleanly_GivesThePeerEndOfStream()
    {
        var (peer, ours) = await SocketPair.SocketsAsync();
        using (peer)
        {
            var connection = new SocketConnection(ours);
            await connection.WriteAsync(new byte[] { 7 }, CancellationToken.None);
            connection.EndedCleanly();
            await connection.DisposeAsync();

            var buffer = new byte[16];
            Assert.Equal(1, await peer.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(0, await peer.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(30)));
        }
    }

    [Fact]
    public async Task AcceptedFromAPreparedListener_IsAbortiveAndWithoutNagle_WithoutSettingEither()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        SocketConnection.PrepareListener(listener);
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptAsync();
        await peer.ConnectAsync(listener.LocalEndPoint!);
        var ours = await accept;

        // What the kernel copied from the listener, not anything set on this socket.
        Assert.True(ours.NoDelay);
        Assert.True(ours.LingerState!.Enabled);
        Assert.Equal(0, ours.LingerState.LingerTime);
        _ = new SocketConnection(ours, abortiveAlready: true);
        ours.Close();

        var ex = await Assert.ThrowsAsync<SocketException>(async () => await peer.ReceiveAsync(new byte[16], SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(SocketError.ConnectionReset, ex.SocketErrorCode);
    }
}
