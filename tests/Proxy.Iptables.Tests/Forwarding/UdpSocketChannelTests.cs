using System.Net;
using System.Net.Sockets;
using PluginMesh.Plugins.Proxy.Iptables.Forwarding;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Forwarding;

/// <summary>
/// A UDP session's socket side waits for a datagram without a buffer (a zero-byte receive, which peeks)
/// and rents one only to take it: no datagram may be lost or cut by the wait, an empty one included.
/// </summary>
public sealed class UdpSocketChannelTests
{
    [Fact]
    public async Task Receive_WaitsWithoutTakingTheDatagram_EveryDatagramWholeAndInOrder()
    {
        var ct = TestTimeout.Token();
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var ours = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        ours.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        peer.Connect(ours.LocalEndPoint!);
        ours.Connect(peer.LocalEndPoint!);
        await using var channel = new UdpSocketChannel(ours);

        // One datagram before the receive starts waiting, the rest while it waits.
        byte[][] sent = [[1, 2, 3], [], [.. Enumerable.Range(0, 1400).Select(i => (byte)i)], [.. Enumerable.Repeat((byte)7, UdpSocketChannel.MaxDatagram - 28)]];
        await peer.SendAsync(sent[0], SocketFlags.None, ct);
        var received = new List<byte[]>();
        var receiver = Task.Run(async () =>
        {
            while (received.Count < sent.Length)
            {
                var datagram = (await channel.ReceiveAsync(ct))!.Value;
                received.Add(datagram.Bytes.ToArray());
                datagram.Return();
            }
        }, ct);
        foreach (var d in sent.Skip(1))
        {
            await Task.Delay(20, ct);
            await peer.SendAsync(d, SocketFlags.None, ct);
        }
        await receiver;

        Assert.Equal(sent.Length, received.Count);
        for (var i = 0; i < sent.Length; i++) Assert.True(sent[i].AsSpan().SequenceEqual(received[i]), $"datagram {i}: {received[i].Length} bytes, sent {sent[i].Length}");
    }
}
