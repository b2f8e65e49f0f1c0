using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Discovery;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.P2p;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;
using PluginMesh.Plugins.Tunnel.Relay.Plugin;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

/// <summary>
/// A real libp2p node (Tunnel.Libp2p) on loopback with the relay plugin's service attached through
/// the Abstractions contracts, the way the host wires it.
/// </summary>
internal sealed class RelayNode : IAsyncDisposable
{
    private readonly string _dir;

    private RelayNode(string dir, Libp2pNodeService node, MeshTunnel tunnel, TestPeerNetwork? network, RelayService service, RelayMetrics metrics)
    {
        _dir = dir;
        Node = node;
        Tunnel = tunnel;
        Network = network;
        Service = service;
        Metrics = metrics;
    }

    public Libp2pNodeService Node { get; }

    public MeshTunnel Tunnel { get; }

    public TestPeerNetwork? Network { get; }

    public RelayService Service { get; }

    public RelayMetrics Metrics { get; }

    /// <summary>The meter the plugin's instruments live on (tests listen to it).</summary>
    public System.Diagnostics.Metrics.Meter Meter { get; private init; } = null!;

    public PeerId PeerId => Tunnel.LocalPeerId;

    /// <summary>The node's dialable address with <c>/p2p/&lt;id&gt;</c>.</summary>
    public Multiaddr Address => Node.Host!.ListenAddresses[0].WithPeerId(Node.Identity.PeerId);

    /// <summary>The local peer the relay publishes its offer on; null when started without one.</summary>
    public TestLocalPeer? LocalPeer { get; private init; }

    public static async Task<RelayNode> StartAsync(RelayOptions options, Reachability? reachability = null, bool withLocalPeer = true, TimeProvider? time = null,
        INodeDirectory? directory = null, IReadOnlyList<IPeerDiscovery>? discoveries = null, IRelayElectionPolicy? election = null,
        IRelaySelectionPolicy? selection = null, IServiceCatalog? catalog = null, string nodeName = "")
    {
        var dir = Directory.CreateTempSubdirectory("pm-relay-").FullName;
        var node = new Libp2pNodeService(new Libp2pOptions
        {
            KeyFile = Path.Combine(dir, "node.key"),
            Listen = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")],
        }, NullLoggerFactory.Instance);
        var tunnel = new MeshTunnel(node);
        var network = reachability is { } r ? new TestPeerNetwork(node, r) : null;
        var meter = new System.Diagnostics.Metrics.Meter("test.relay." + Guid.NewGuid());
        var metrics = new RelayMetrics(meter);
        var localPeer = withLocalPeer ? new TestLocalPeer(node) : null;
        var deps = new RelayDependencies(tunnel, localPeer, network, directory, discoveries ?? [], selection, catalog, nodeName, election);
        var service = new RelayService(options, deps, metrics, time ?? TimeProvider.System, NullLogger.Instance);
        await node.StartAsync(TestTimeout.Token());
        var relayNode = new RelayNode(dir, node, tunnel, network, service, metrics) { Meter = meter, LocalPeer = localPeer };
        try
        {
            await service.StartAsync(TestTimeout.Token());
        }
        catch
        {
            await relayNode.DisposeAsync();
            throw;
        }
        return relayNode;
    }

    public async ValueTask DisposeAsync()
    {
        await Service.StopAsync(default);
        await Node.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
