using System.Net;
using System.Net.Sockets;

namespace PluginMesh.Demo;

/// <summary>
/// <c>--netns</c> (root): every agent in its own network namespace. The relays sit on a "public"
/// segment (TEST-NET-3, 203.0.113.0/24, a bridge); each edge sits behind its own NAT router
/// (MASQUERADE, unsolicited inbound SYNs dropped, as home and carrier NATs do), so the edges first
/// meet through a relay and then hole-punch (DCUtR). ClusterIP traffic is intercepted by iptables
/// inside each edge's namespace and DNS answers on 169.254.96.16:53, as on a real node. The demo's
/// Kubernetes API listens on the bridge itself (203.0.113.1, the "inet" namespace), where the relays
/// reach it directly and the edges through their NATs, like a cloud control plane.
/// <code>
///   edge-a 10.0.1.2 ─ [router-a 203.0.113.21] ─┐  API 203.0.113.1  ┌─ [router-b 203.0.113.22] ─ edge-b 10.0.2.2
///                                              └───── bridge ──────┤
///                                  relay-1 203.0.113.11 ───────────┴────── relay-2 203.0.113.12
/// </code>
/// </summary>
internal sealed class NetnsDemoNetwork(bool holePunch) : DemoNetwork
{
    private const string Public = "203.0.113.0/24";
    private readonly DemoNamespaces _lab = new();
    private readonly Dictionary<string, string> _ns = new(StringComparer.Ordinal);

    public override string Description => "network namespaces (root): edges behind NAT routers, relays on a public segment, iptables interception"
        + (holePunch ? "" : ", hole punching off");

    public override bool CanHolePunch => holePunch;

    /// <summary>Checks root and the tools first, so a missing piece is one clear message.</summary>
    public static void CheckPrerequisites()
    {
        if (NativeMethods.Geteuid() != 0) throw new DemoException("--netns needs root (it creates network namespaces, NATs and iptables rules); run 'pluginmesh demo' without --netns for the loopback story", null);
        foreach (var tool in new[] { "ip", "iptables", "iptables-restore" })
            if (!DemoNamespaces.OnPath(tool)) throw new DemoException($"--netns needs '{tool}' on PATH (Debian: apt-get install iproute2 iptables)", null);
    }

    public override Task SetUpAsync(CancellationToken ct)
    {
        foreach (var role in new[] { "inet", "relay-1", "relay-2", "router-a", "router-b", "edge-a", "edge-b" }) _ns[role] = _lab.Add(role);
        DemoNamespaces.Run("ip", "-n", _ns["inet"], "link", "add", "br0", "type", "bridge");
        DemoNamespaces.Run("ip", "-n", _ns["inet"], "link", "set", "br0", "up");
        DemoNamespaces.Run("ip", "-n", _ns["inet"], "addr", "add", ApiAddress + "/24", "dev", "br0");
        Port("relay-1", "203.0.113.11/24");
        Port("relay-2", "203.0.113.12/24");
        Port("router-a", "203.0.113.21/24");
        Port("router-b", "203.0.113.22/24");
        foreach (var (edge, router, lan) in new[] { ("edge-a", "router-a", "10.0.1"), ("edge-b", "router-b", "10.0.2") })
        {
            DemoNamespaces.Link(_ns[edge], "eth0", $"{lan}.2/24", _ns[router], "lan", $"{lan}.1/24");
            DemoNamespaces.Run("ip", "-n", _ns[edge], "route", "add", "default", "via", $"{lan}.1");
            DemoNamespaces.Run("ip", "netns", "exec", _ns[router], "sysctl", "-qw", "net.ipv4.ip_forward=1");
            DemoNamespaces.Run("ip", "netns", "exec", _ns[router], "iptables", "-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-j", "MASQUERADE");
            DemoNamespaces.Run("ip", "netns", "exec", _ns[router], "iptables", "-A", "INPUT", "-i", "wan", "-p", "tcp", "-m", "conntrack", "--ctstate", "NEW", "-j", "DROP");
        }
        return Task.CompletedTask;
    }

    /// <summary>A namespace's "wan" (or relay "eth0") port on the public bridge.</summary>
    private void Port(string role, string cidr)
    {
        var inside = role.StartsWith("router", StringComparison.Ordinal) ? "wan" : "eth0";
        var bridgePort = role.Replace("-", "", StringComparison.Ordinal);
        DemoNamespaces.Link(_ns[role], inside, cidr, _ns["inet"], bridgePort, null);
        DemoNamespaces.Run("ip", "-n", _ns["inet"], "link", "set", bridgePort, "master", "br0");
    }

    public override IPAddress ApiAddress { get; } = IPAddress.Parse("203.0.113.1");

    public override Func<Socket> ApiSocket => () => DemoNamespaces.CreateSocket(_ns["inet"], AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public override string NodeAddress(string agent) => agent switch
    {
        "relay-1" => "203.0.113.11",
        "relay-2" => "203.0.113.12",
        "edge-a" => "10.0.1.2",
        _ => "10.0.2.2",
    };

    public override string Admin(string agent, string workDir) => "unix:" + Path.Combine(workDir, agent + ".sock");

    public override IReadOnlyList<string> Launcher(string agent) => ["ip", "netns", "exec", _ns[agent]];

    public override string RelayTunnel(int index) => $$"""
            listen: [/ip4/203.0.113.1{{index + 1}}/tcp/4001]
            autonat: {treatAsPublic: [{{Public}}]}
        """;

    public override string EdgeTunnel(int index) => $$"""
            listen: [/ip4/0.0.0.0/tcp/4001]
            holePunch: {{(holePunch ? "true" : "false")}}
            autonat: {treatAsPublic: [{{Public}}]}
        """;

    // The defaults as root: 169.254.96.16:53 on the agent's own interface.
    public override string EdgeDns(int index) => """
            createInterface: true
        """;

    public override string EdgeProxy(int index) => """
            mode: iptables
        """;

    public override IPEndPoint Backend(int index, int port) => new(IPAddress.Parse($"10.0.{index + 1}.2"), port);

    public override IPEndPoint DnsServer(int index) => new(IPAddress.Parse("169.254.96.16"), 53);

    public override IPEndPoint ServiceTarget(int index, int? proxyListenPort) => new(IPAddress.Parse(DemoConfigs.ClusterIp), 80);

    public override Socket Socket(int index, AddressFamily family, SocketType type, ProtocolType protocol) =>
        DemoNamespaces.CreateSocket(_ns[index == 0 ? "edge-a" : "edge-b"], family, type, protocol);

    public override ValueTask DisposeAsync()
    {
        _lab.Dispose();
        return ValueTask.CompletedTask;
    }
}
