using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Libp2p.AutoNat;
using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Netns;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.AutoNat;

/// <summary>
/// AutoNAT across a real NAT. Topology (all namespaces made and removed by the test):
/// <code>
///   A 10.77.0.2 ── lan 10.77.0.1 [R: MASQUERADE out of wan] wan 203.0.113.1 ── S 203.0.113.2
/// </code>
/// 203.0.113.0/24 is TEST-NET-3, private by default, so both nodes list it in treatAsPublic (the
/// knob a test lab needs). A dials S; then each asks the other to dial it back.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class AutoNatNetnsTests
{
    [Fact]
    public async Task Probe_BehindMasquerade_PrivateAndPublicPeerPublic()
    {
        var ct = TestTimeout.Token(120);
        using var lab = new NetnsLab();
        var a = lab.Add("a");
        var r = lab.Add("r");
        var s = lab.Add("s");
        NetnsLab.Link(a, "lan", "10.77.0.2/24", r, "lan", "10.77.0.1/24");
        NetnsLab.Link(r, "wan", "203.0.113.1/24", s, "wan", "203.0.113.2/24");
        NetnsLab.DefaultRoute(a, "10.77.0.1");
        NetnsLab.Masquerade(r, "wan");
        var options = new AutoNatOptions { Ranges = new AddressRanges(AddressRanges.DefaultPrivate, [IPNetwork.Parse("203.0.113.0/24")]) };

        await using var hostA = await StartAsync(lab, a, "/ip4/10.77.0.2/tcp/4102", options);
        await using var hostS = await StartAsync(lab, s, "/ip4/203.0.113.2/tcp/4101", options);
        var toS = await hostA.Host.DialAsync(hostS.Host.ListenAddresses[0].WithPeerId(hostS.Host.PeerId), ct);
        await toS.IdentifyTask.WaitAsync(ct);
        await Eventually.TrueAsync(() => hostS.Host.GetConnection(hostA.Host.PeerId)?.RemoteIdentify is not null, "S identified A");
        Assert.Equal("/ip4/203.0.113.1", hostS.Host.GetConnection(hostA.Host.PeerId)!.RemoteAddress.ToString()[..16]);

        Assert.Equal(Reachability.Private, await hostA.Client.ProbeAsync(ct));
        Assert.Equal(Reachability.Public, await hostS.Client.ProbeAsync(ct));
        Assert.Equal(Reachability.Private, hostA.Reported.Last());
        Assert.Equal(Reachability.Public, hostS.Reported.Last());
        Assert.Equal("DialError", Assert.Single(hostA.Client.LastAnswers).Value);
        Assert.Equal("Ok", Assert.Single(hostS.Client.LastAnswers).Value);
    }

    private static async Task<Node> StartAsync(NetnsLab lab, string ns, string listen, AutoNatOptions options)
    {
        var host = new Libp2pHost(new Libp2pHostOptions
        {
            Identity = PrivateKey.Generate(),
            ListenAddresses = [Multiaddr.Parse(listen)],
            SocketFactory = lab.Sockets(ns),
        });
        await host.StartAsync();
        var server = new AutoNatServer(host, options, NullLogger.Instance, TimeProvider.System);
        host.SetStreamHandler(AutoNatServer.ProtocolId, server.ServeAsync);
        var reported = new List<Reachability>();
        var client = new AutoNatClient(host, options, reported.Add, () => Reachability.Public, NullLogger.Instance, TimeProvider.System);
        return new Node(host, client, reported);
    }

    private sealed record Node(Libp2pHost Host, AutoNatClient Client, List<Reachability> Reported) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Host.DisposeAsync();
        }
    }
}
