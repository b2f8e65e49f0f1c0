using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using PluginMesh.Demo.FakeApi;

namespace PluginMesh.Demo;

/// <summary>What the demo writes and serves: agent configs, the private-network key and the cluster its API holds.</summary>
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
    /// it back on the demo's "internet", which its network lists in <c>autonat.treatAsPublic</c>), and
    /// publishes itself (PeerId, addresses, relay offer) on its Node through the demo's API.
    /// </summary>
    public static string Relay(DemoAgent agent, string pskFile, Uri api, string policiesDir, string tunnel) =>
        Header(agent, api, policiesDir, "a public node (relay: auto - elected when AutoNAT finds it public; members = agents bound to their Node)") + $$"""
          tunnel.libp2p:
            pskFile: {{Q(pskFile)}}
        {{tunnel}}
          tunnel.relay: {}
          directory.p2p:
            syncIntervalSeconds: 2

        """;

    /// <summary>
    /// An edge node: no relay, no peer in its configuration. It learns the relays from the other
    /// Nodes' annotations on the demo's API (and then the node directory) and reserves on the elected
    /// ones by autorelay, on the <c>tunnel.relay</c> defaults; DNS and proxy as the network says.
    /// </summary>
    public static string Edge(DemoAgent agent, string pskFile, Uri api, string policiesDir, DemoNetwork network, int index) =>
        Header(agent, api, policiesDir, $"an edge node ({network.Description})") + $$"""
          tunnel.libp2p:
            pskFile: {{Q(pskFile)}}
        {{network.EdgeTunnel(index)}}
          tunnel.relay: {}
          directory.p2p:
            syncIntervalSeconds: 2
          dns.mdns:
            clusterDomain: {{ClusterDomain}}
            mdns: {enabled: false}
        {{network.EdgeDns(index)}}
          proxy.iptables:
        {{network.EdgeProxy(index)}}

        """;

    /// <summary>What every demo agent's config starts with: its name, directories, admin endpoint, the cache and the cluster's API.</summary>
    private static string Header(DemoAgent agent, Uri api, string policiesDir, string role) => $$"""
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
          catalog.kubernetes:
            apiServer: {{Q(api.ToString())}}

        """;

    /// <summary>
    /// The cluster the demo's API serves: a Node per agent (<paramref name="nodeAddress"/> gives its
    /// InternalIP; no annotations — each agent publishes its own), and one service, <c>web.demo</c>,
    /// with a backend "pod" on each edge node.
    /// </summary>
    public static FakeCluster Cluster(IReadOnlyList<string> nodes, Func<string, string> nodeAddress, IReadOnlyList<DemoBackend> backends)
    {
        var cluster = new FakeCluster();
        for (var i = 0; i < nodes.Count; i++)
            cluster.Apply(FakeCluster.Nodes, FakeObjects.Node(nodes[i], $"10.244.{(i + 1).ToString(CultureInfo.InvariantCulture)}.0/24", nodeAddress(nodes[i])));
        var port = backends[0].EndPoint.Port;
        cluster.Apply(FakeCluster.Services, FakeObjects.Service(Namespace, Service, ClusterIp, [("http", 80, port, "TCP")]));
        cluster.Apply(FakeCluster.EndpointSlices, FakeObjects.EndpointSlice(Namespace, Service + "-1", Service,
            backends.Select(b => (b.EndPoint.Address.ToString(), b.Node, true)), port: port));
        return cluster;
    }

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
