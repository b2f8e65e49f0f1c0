using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace PluginMesh.Demo;

/// <summary>The files the demo writes: agent configs, the shared catalog and the private-network key.</summary>
internal static class DemoConfigs
{
    public const string Namespace = "demo";
    public const string Service = "web";
    public const string ClusterIp = "10.96.0.10";
    public const string ClusterDomain = "cluster.local";

    public static string ServiceName => $"{Service}.{Namespace}.svc.{ClusterDomain}";

    /// <summary>
    /// A relay candidate: nothing says it relays. It runs the relay election on the defaults
    /// (<c>relay: auto</c>), so it offers the hop service once AutoNAT finds it public (its peers dial
    /// it back on the demo's "internet", which its network lists in <c>autonat.treatAsPublic</c>).
    /// </summary>
    public static string Relay(DemoAgent agent, string pskFile, string policiesDir, string tunnel) =>
        Header(agent, policiesDir, "a public node (relay: auto - elected when AutoNAT finds it public; members = holders of the private-network key)") + $$"""
          tunnel.libp2p:
            pskFile: {{Q(pskFile)}}
        {{tunnel}}
          tunnel.relay:
            members: psk
          directory.p2p:
            syncIntervalSeconds: 2

        """;

    /// <summary>
    /// An edge node: holds reservations on both relays, still named in <c>reserve</c> (with no API and
    /// no LAN neighbour an edge has no other way to meet a first peer; README, "What the demo still
    /// configures"); file catalog, DNS and proxy as the network says.
    /// </summary>
    public static string Edge(DemoAgent agent, string pskFile, string catalogFile, IReadOnlyList<string> relays, string policiesDir, DemoNetwork network, int index) =>
        Header(agent, policiesDir, $"an edge node ({network.Description})") + $$"""
          catalog.file:
            path: {{Q(catalogFile)}}
          tunnel.libp2p:
            pskFile: {{Q(pskFile)}}
        {{network.EdgeTunnel(index)}}
          tunnel.relay:
            relay: never
            autorelay: false
            reserve: [{{string.Join(", ", relays)}}]
          directory.p2p:
            syncIntervalSeconds: 2
          dns.mdns:
            clusterDomain: {{ClusterDomain}}
            mdns: {enabled: false}
        {{network.EdgeDns(index)}}
          proxy.iptables:
        {{network.EdgeProxy(index)}}

        """;

    /// <summary>What every demo agent's config starts with: its name, directories, admin endpoint and the cache.</summary>
    private static string Header(DemoAgent agent, string policiesDir, string role) => $$"""
        # pluginmesh demo: {{agent.Name}}, {{role}}
        profile: none
        node:
          name: {{Q(agent.Name)}}
          dataDir: {{Q(agent.Directory)}}
          policiesDir: {{Q(policiesDir)}}
        admin:
          listen: {{agent.Admin}}
        plugins:
          cache.litedb: {}

        """;

    /// <summary>One service, <c>web.demo</c>, with a backend "pod" on each edge node.</summary>
    public static string Catalog(IReadOnlyList<DemoBackend> backends) =>
        $$"""
        # pluginmesh demo catalog (catalog.file format): one service with a backend on each edge node
        services:
          - name: {{Service}}
            namespace: {{Namespace}}
            clusterIP: {{ClusterIp}}
            ports:
              - {name: http, port: 80, targetPort: {{backends[0].EndPoint.Port.ToString(CultureInfo.InvariantCulture)}}, protocol: TCP}
            endpoints:

        """
        + string.Concat(backends.Select(b => $"      - {{ip: {b.EndPoint.Address}, node: {b.Node}, ready: true}}\n"))
        + "nodes:\n"
        + string.Concat(backends.Select(b => $"  - {{name: {b.Node}}}\n"));

    /// <summary>A fresh swarm.key (v1): only agents holding it can connect to each other.</summary>
    public static void WritePsk(string path)
    {
        File.WriteAllText(path, $"/key/swarm/psk/1.0.0/\n/base16/\n{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))}\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>A TCP port free on 127.0.0.1 right now (and the same UDP port, for DNS).</summary>
    public static int FreePort(bool alsoUdp = false)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
            if (!alsoUdp) return port;
            try
            {
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException) when (attempt < 20)
            {
            }
        }
    }

    private static string Q(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
