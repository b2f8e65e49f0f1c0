using System.Net;
using System.Net.Sockets;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Tunnel;

/// <summary>
/// The short form of bench/udp-soak.sh (issue 16): many datagrams of varied sizes through node-a's
/// UDP listener, the tunnel (datagrams framed on one stream per session) and node-b's tunnel
/// server to a UDP echo backend and back. Each answer must be exactly one sent datagram.
/// </summary>
public sealed class TunnelUdpSoakTests
{
    private const int Datagrams = 20_000;
    private const int Sessions = 4;
    private const int Window = 32;

    /// <summary>Bytes of datagram <paramref name="seq"/>: the number, then a pattern of it, <paramref name="size"/> in all.</summary>
    internal static byte[] Datagram(int seq, int size)
    {
        var d = new byte[size];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(d, seq);
        for (var i = 4; i < size; i++) d[i] = (byte)(seq * 31 + i * 7);
        return d;
    }

    [Fact]
    public async Task ManyDatagramsOfVariedSizes_EachAnsweredWhole_NoneMergedOrSplit_SessionsFreed()
    {
        await using var backend = new UdpEchoServer();
        var net = new FakeTunnelNetwork();
        var catalog = new CatalogBuilder()
            .Service("echo", "10.96.0.12", [new ServicePort("echo", 7001, TransportProtocol.Udp, 0, "echo")])
            .Endpoints("echo", [new MeshEndpoint(IPAddress.Loopback, "node-b", true, [new EndpointPort("echo", backend.Port, TransportProtocol.Udp)])]);
        var (catalogA, catalogB) = (new FakeCatalog(), new FakeCatalog());
        catalogA.Publish(catalog);
        catalogB.Publish(catalog);
        var options = new ProxyOptions { Mode = ProxyMode.Listen, UdpIdleTimeout = TimeSpan.FromSeconds(3) };
        await using var b = await ProxyHarness.StartAsync(options, ProxyMode.Listen, catalogB, "node-b", net.For("node-b"));
        await using var a = await ProxyHarness.StartAsync(options, ProxyMode.Listen, catalogA, "node-a", net.For("node-a"));
        var target = new IPEndPoint(IPAddress.Loopback, a.ListenPort("echo", 7001, TransportProtocol.Udp));

        var sizes = new Random(16);
        var buffer = new byte[65535];
        var (answered, lost, late, mismatched) = (0, 0, 0, new List<string>());
        var seq = 0;
        for (var session = 0; session < Sessions; session++)
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            client.ReceiveBufferSize = 1 << 20;
            await client.ConnectAsync(target);
            var outstanding = new Dictionary<int, byte[]>();
            var end = seq + Datagrams / Sessions;
            while (seq < end || outstanding.Count > 0)
            {
                while (seq < end && outstanding.Count < Window)
                {
                    var d = Datagram(seq, sizes.Next(4, 1401));
                    outstanding[seq++] = d;
                    await client.SendAsync(d, SocketFlags.None);
                }
                int n;
                // Loss detection, not a performance bound: what is unanswered after this long is counted lost.
                using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
                {
                    try
                    {
                        n = await client.ReceiveAsync(buffer, SocketFlags.None, wait.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        lost += outstanding.Count;
                        outstanding.Clear();
                        continue;
                    }
                }
                var got = buffer.AsSpan(0, n);
                if (n < 4)
                {
                    mismatched.Add($"{n}-byte answer");
                    continue;
                }
                var number = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(got);
                if (!outstanding.Remove(number, out var sent))
                {
                    if (number >= 0 && number < seq) late++;
                    else mismatched.Add($"{n}-byte answer numbered {number}, never sent");
                }
                else if (!got.SequenceEqual(sent)) mismatched.Add($"datagram {number}: sent {sent.Length} bytes, answer {n} bytes or other content");
                else answered++;
            }
        }

        Assert.Empty(mismatched);
        Assert.Equal(Datagrams, answered + lost);
        // UDP may drop under load (a full socket buffer); most must still come back, and what did come back was whole.
        Assert.True(answered >= Datagrams * 99 / 100, $"{answered} of {Datagrams} answered ({lost} lost, {late} late)");
        Assert.InRange(backend.Datagrams, answered, Datagrams);
        // One tunnel stream per client session, and every one ended once idle on both agents.
        Assert.Equal(Sessions, net.Opened);
        await Eventually.TrueAsync(() => a.Metrics.Active == 0 && net.Serving == 0, "UDP sessions freed on node-a and their streams served out on node-b");
        var port = Assert.Single(Assert.Single(a.Proxy.GetStatus().Services).Ports);
        Assert.Equal(Sessions, port.Connections);
    }
}
