using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Libp2p.AutoNat;
using PluginMesh.Plugins.Tunnel.Libp2p.Dcutr;
using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Netns;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Dcutr;

/// <summary>
/// DCUtR between two NATs. Topology (namespaces made and removed by the test):
/// <code>
///   A 10.1.0.2 ─ lan [RA] wan 198.51.100.1 ──── 198.51.100.2 wan [RB] lan ─ B 10.2.0.2
///                 MASQUERADE out of wan            MASQUERADE out of wan
/// </code>
/// No relay protocol runs here: the "relayed" connection is a libp2p connection over an in-process
/// socket pair that A dials as a /p2p-circuit address through a test transport and B accepts with
/// AcceptInboundAsync (exactly how the relay plugin hands over a STOP stream). Everything after that
/// is real: identify, B starting DCUtR because it received the relayed connection, CONNECT/SYNC over
/// the relayed connection, RTT-timed TCP simultaneous open from both listen ports through both
/// NATs, Noise/Yamux on the punched connection. Each node announces its NAT's public address (as an
/// operator or an observed-address source would); 198.51.100.0/24 (TEST-NET-2) is listed in
/// treatAsPublic, since it is private by default.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class HolePunchNetnsTests
{
    private const string Echo = "/test/echo/1.0.0";
    private static readonly AddressRanges Lab = new(AddressRanges.DefaultPrivate, [IPNetwork.Parse("198.51.100.0/24")]);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task RelayedOnly_BothBehindPortPreservingNat_HolePunchedAndPreferred(int trial)
    {
        var ct = TestTimeout.Token(120);
        using var lab = new NetnsLab();
        var (a, b) = Topology(lab, "--fully-random-off");
        var portA = 4200 + (2 * trial);
        var portB = portA + 1;
        await using var nodeA = await StartAsync(lab, a, $"/ip4/10.1.0.2/tcp/{portA}", $"/ip4/198.51.100.1/tcp/{portA}", null);
        using var recorder = new SpanRecorder();
        await using var nodeB = await StartAsync(lab, b, $"/ip4/10.2.0.2/tcp/{portB}", $"/ip4/198.51.100.2/tcp/{portB}", null, recorder.Source);

        var relayed = await ConnectRelayedAsync(nodeA, nodeB, ct);
        Assert.Equal(PathKind.Relayed, relayed.Path);

        await Eventually.TrueAsync(() => nodeB.Host.GetConnection(nodeA.Host.PeerId)?.Path == PathKind.HolePunched, "B has a hole-punched connection");
        await Eventually.TrueAsync(() => nodeA.Host.GetConnection(nodeB.Host.PeerId)?.Path == PathKind.HolePunched, "A has a hole-punched connection");
        var direct = nodeA.Host.GetConnection(nodeB.Host.PeerId)!;
        Assert.Equal($"/ip4/198.51.100.2/tcp/{portB}", direct.RemoteAddress.ToString());
        Assert.False(relayed.IsClosed, "the relayed connection stays as a fallback");

        var s = await direct.OpenStreamAsync(Echo, ct);
        await using (s.Stream)
        {
            await s.Stream.WriteAsync("through the hole"u8.ToArray(), ct);
            await s.Stream.CloseWriteAsync(ct);
            using var reader = new StreamReader(s.Stream);
            Assert.Equal("through the hole", await reader.ReadToEndAsync(ct));
        }
        Assert.Equal((1, 1, 0), (nodeB.Punch.Attempts, nodeB.Punch.Successes, nodeB.Punch.Failures));
        await Eventually.TrueAsync(() => recorder.Spans.Length > 0, "the hole-punch span ended");
        var span = Assert.Single(recorder.Spans);
        Assert.Equal(("success", "hole-punched", $"/ip4/198.51.100.1/tcp/{portA}"), (span.GetTagItem("pluginmesh.outcome"), span.GetTagItem("pluginmesh.path"), span.GetTagItem("pluginmesh.address")));
    }

    [Fact]
    public async Task RelayedOnly_SymmetricNat_GivesUpAsPolicySaysAndKeepsRelay()
    {
        var ct = TestTimeout.Token(120);
        using var lab = new NetnsLab();
        var (a, b) = Topology(lab, "--random-fully");
        var policy = new RecordingFailover(i => new FailoverDecision(i.Attempt < 2 ? FailoverAction.Retry : FailoverAction.GiveUp, 0));
        using var recorder = new SpanRecorder();
        await using var nodeA = await StartAsync(lab, a, "/ip4/10.1.0.2/tcp/4301", "/ip4/198.51.100.1/tcp/4301", null);
        await using var nodeB = await StartAsync(lab, b, "/ip4/10.2.0.2/tcp/4302", "/ip4/198.51.100.2/tcp/4302", policy, recorder.Source);

        var relayed = await ConnectRelayedAsync(nodeA, nodeB, ct);

        await Eventually.TrueAsync(() => nodeB.Punch.Failures == 1, "B gives up");
        Assert.Equal(2, nodeB.Punch.Attempts);
        Assert.Equal(0, nodeB.Punch.Successes);
        Assert.Equal([("holepunch", 1), ("holepunch", 2)], policy.Inputs.Select(i => (i.Operation, i.Attempt)));
        Assert.Equal(PathKind.Relayed, nodeA.Host.GetConnection(nodeB.Host.PeerId)!.Path);
        Assert.False(relayed.IsClosed);

        // The (non-)change of path is traced: one span, two failed attempts, gave up, still relayed.
        await Eventually.TrueAsync(() => recorder.Spans.Length > 0, "the hole-punch span ended");
        var span = Assert.Single(recorder.Spans);
        Assert.Equal("pluginmesh.holepunch", span.OperationName);
        Assert.Equal(("gave-up", "relayed", 2), (span.GetTagItem("pluginmesh.outcome"), span.GetTagItem("pluginmesh.path"), span.GetTagItem("pluginmesh.attempts")));
        Assert.Equal(2, span.Events.Count(e => e.Name == "attempt.failed"));
    }

    /// <summary>Two NATed nodes; <paramref name="masquerade"/> "--random-fully" makes the NATs symmetric (ports not preserved).</summary>
    private static (string A, string B) Topology(NetnsLab lab, string masquerade)
    {
        var a = lab.Add("a");
        var ra = lab.Add("ra");
        var rb = lab.Add("rb");
        var b = lab.Add("b");
        NetnsLab.Link(a, "lan", "10.1.0.2/24", ra, "lan", "10.1.0.1/24");
        NetnsLab.Link(ra, "wan", "198.51.100.1/24", rb, "wan", "198.51.100.2/24");
        NetnsLab.Link(rb, "lan", "10.2.0.1/24", b, "lan", "10.2.0.2/24");
        NetnsLab.DefaultRoute(a, "10.1.0.1");
        NetnsLab.DefaultRoute(b, "10.2.0.1");
        foreach (var router in new[] { ra, rb })
        {
            NetnsLab.Run("ip", "netns", "exec", router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
            var args = new List<string> { "netns", "exec", router, "iptables", "-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-j", "MASQUERADE" };
            if (masquerade == "--random-fully") args.Add("--random-fully");
            NetnsLab.Run("ip", [.. args]);
            // Unsolicited inbound SYNs are dropped, as home and carrier NAT firewalls do. A router
            // that answers them with a reset instead (the Linux default for its own closed ports)
            // commits a conntrack entry for the early SYN, which then collides with the peer's
            // outbound mapping and makes MASQUERADE pick another port (see the plugin README).
            NetnsLab.Run("ip", "netns", "exec", router, "iptables", "-A", "INPUT", "-i", "wan", "-p", "tcp", "-m", "conntrack", "--ctstate", "NEW", "-j", "DROP");
        }
        return (a, b);
    }

    /// <summary>A dials B's circuit address through a test transport; B accepts the other end of an in-process socket pair as relayed.</summary>
    private static async Task<Libp2pConnection> ConnectRelayedAsync(Node a, Node b, CancellationToken ct)
    {
        var relayId = PrivateKey.Generate().PeerId;
        a.Transport.Connect = async addr =>
        {
            var (dialer, target) = await SocketPair.StreamsAsync();
            var remote = Multiaddr.Parse($"/ip4/192.0.2.1/tcp/4001/p2p/{relayId}/p2p-circuit/p2p/{a.Host.PeerId}");
            _ = b.Host.AcceptInboundAsync(target, Multiaddr.Parse("/p2p-circuit"), remote, PathKind.Relayed, ct);
            return dialer;
        };
        return await a.Host.DialAsync(Multiaddr.Parse($"/ip4/192.0.2.1/tcp/4001/p2p/{relayId}/p2p-circuit/p2p/{b.Host.PeerId}"), ct);
    }

    private static async Task<Node> StartAsync(NetnsLab lab, string ns, string listen, string announce, IFailoverPolicy? policy, System.Diagnostics.ActivitySource? activities = null)
    {
        var transport = new PipeTransport();
        var announced = new AnnouncedAddresses();
        announced.Set("test", [Multiaddr.Parse(announce)]);
        var host = new Libp2pHost(new Libp2pHostOptions
        {
            Identity = PrivateKey.Generate(),
            ListenAddresses = [Multiaddr.Parse(listen)],
            SocketFactory = lab.Sockets(ns),
            Announced = announced,
            Transports = () => [transport],
        });
        await host.StartAsync();
        host.SetStreamHandler(Echo, async (s, token) =>
        {
            await s.Stream.CopyToAsync(s.Stream, token);
            await s.Stream.CloseWriteAsync(token);
        });
        var punch = new HolePunchService(host, Lab, () => policy, null, NullLogger.Instance, TimeProvider.System, activities);
        var registration = punch.Attach();
        return new Node(host, punch, transport, registration);
    }

    private sealed record Node(Libp2pHost Host, HolePunchService Punch, PipeTransport Transport, IDisposable Registration) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Registration.Dispose();
            await Host.DisposeAsync();
        }
    }
}
