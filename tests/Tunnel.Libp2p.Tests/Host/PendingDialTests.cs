using System.Net;
using System.Net.Sockets;
using PluginMesh.P2p;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Host;

/// <summary>
/// Concurrent dials share an attempt only when they dial the same address: a dial to another
/// address of the peer (a circuit through the surviving relay while one through a dead relay
/// hangs) goes ahead on its own instead of waiting for an attempt that may never answer.
/// </summary>
public sealed class PendingDialTests
{
    [Fact]
    public async Task DialStuckOnSilentAddress_DialToAnotherAddressOfThePeer_ConnectsWithoutWaitingForIt()
    {
        var ct = TestTimeout.Token();
        await using var a = await HostFactory.StartAsync();
        await using var b = await HostFactory.StartAsync();
        // A real socket that accepts and never says a word: the upgrade of a dial to it waits (as a
        // relay whose process is gone, or a black-holed address, keeps a dial waiting).
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = silent.AcceptSocketAsync(ct).AsTask();
        var silentAddress = Multiaddr.Parse($"/ip4/127.0.0.1/tcp/{((IPEndPoint)silent.LocalEndpoint).Port}").WithPeerId(b.PeerId);

        var stuck = a.DialAsync(silentAddress, ct);
        using var socket = await accepted;
        var connection = await a.DialAsync(HostFactory.DialAddress(b), ct);

        Assert.Equal(b.PeerId, connection.RemotePeerId);
        Assert.False(stuck.IsCompleted, "the dial to the silent address ended before the other dial connected");
    }
}
