using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PluginMesh.Demo;

/// <summary>
/// Everything on 127.0.0.1, no root: the edges are dial-only (no listener at all), so they can only
/// reach each other through the relays; DNS on a free loopback port; the proxy in listen mode.
/// Loopback is this lab's "internet": every agent lists 127.0.0.0/8 in <c>autonat.treatAsPublic</c>,
/// so the edges dial the relays back and AutoNAT finds the relays public, which elects them. The
/// demo's Kubernetes API listens on 127.0.0.1 too.
/// </summary>
internal sealed class LoopbackDemoNetwork : DemoNetwork
{
    private readonly int[] _dnsPorts = [DemoConfigs.FreePort(alsoUdp: true), DemoConfigs.FreePort(alsoUdp: true)];

    public override string Description => "loopback (no root): dial-only edges reachable only through the relays";

    public override bool CanHolePunch => false;

    public override IPAddress ApiAddress => IPAddress.Loopback;

    public override string NodeAddress(string agent) => "127.0.0.1";

    public override string Admin(string agent, string workDir) => new IPEndPoint(IPAddress.Loopback, DemoConfigs.FreePort()).ToString();

    public override string RelayTunnel(int index) => """
            listen: [/ip4/127.0.0.1/tcp/0]
            autonat: {treatAsPublic: [127.0.0.0/8]}
        """;

    public override string EdgeTunnel(int index) => """
            dialOnly: true
            holePunch: false
            autonat: {treatAsPublic: [127.0.0.0/8]}
        """;

    public override string EdgeDns(int index) => $$"""
            listen: [127.0.0.1:{{_dnsPorts[index].ToString(CultureInfo.InvariantCulture)}}]
            createInterface: false
        """;

    public override string EdgeProxy(int index) => """
            mode: listen
            listenAddress: 127.0.0.1
            portRange: auto
        """;

    public override IPEndPoint Backend(int index, int port) => new(IPAddress.Parse($"127.0.10.{index + 1}"), port);

    public override IPEndPoint DnsServer(int index) => new(IPAddress.Loopback, _dnsPorts[index]);

    public override IPEndPoint ServiceTarget(int index, int? proxyListenPort) =>
        new(IPAddress.Loopback, proxyListenPort ?? throw new DemoException("the proxy reports no local port for the service", null));

    public override Socket Socket(int index, AddressFamily family, SocketType type, ProtocolType protocol) => new(family, type, protocol);
}
