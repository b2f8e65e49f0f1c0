using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Plugins.Directory.P2p.Store;
using PluginMesh.Plugins.Directory.P2p.Sync;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.P2p;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Support;

/// <summary>
/// A real libp2p node (tunnel.libp2p's public API, loopback TCP) with a directory on top, wired
/// the way the agent will wire it: ILocalPeer from the node identity, IMeshTunnel, IPeerNetwork.
/// </summary>
internal sealed class TestNode : IAsyncDisposable
{
    private readonly List<string> _extra = [];

    private TestNode(string name, Libp2pNodeService node, MeshTunnel tunnel)
    {
        Name = name;
        Node = node;
        Tunnel = tunnel;
    }

    public string Name { get; }
    public Libp2pNodeService Node { get; }
    public MeshTunnel Tunnel { get; }
    public KeyLocalPeer Local { get; private set; } = null!;
    public HostPeerNetwork Network { get; private set; } = null!;
    public RecordStore Store { get; private set; } = null!;
    public SyncTracker Tracker { get; private set; } = null!;
    public DirectorySyncService? Sync { get; private set; }
    public string PeerId => Tunnel.LocalPeerId.ToString();
    public string Address => Node.Host!.ListenAddresses[0] + "/p2p/" + PeerId;

    /// <summary>Starts the libp2p node; with <paramref name="directory"/> also a directory (optionally without peer-network events).</summary>
    public static async Task<TestNode> StartAsync(string dir, string name, bool directory = true, DirectoryOptions? options = null, bool withNetwork = true, string? keyName = null)
    {
        var node = new Libp2pNodeService(new Libp2pOptions
        {
            KeyFile = Path.Combine(dir, (keyName ?? name) + ".key"),
            Listen = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")],
        }, NullLoggerFactory.Instance);
        var t = new TestNode(name, node, new MeshTunnel(node));
        await node.StartAsync(CancellationToken.None);
        t.Network = new HostPeerNetwork(node.Host!);
        t.Local = new KeyLocalPeer(node.Identity, () => [.. new[] { t.Address }.Concat(t._extra).Select(Multiaddr.Parse)]);
        t.Store = Stores.Create(TimeProvider.System, meter: new Meter("test.node." + name + "." + Guid.NewGuid().ToString("N")));
        t.Tracker = new SyncTracker(TimeProvider.System);
        if (directory)
        {
            t.Sync = new DirectorySyncService(t.Store, options ?? DirectoryOptions.Default, name, t.Local, t.Tunnel,
                withNetwork ? t.Network : null, t.Tracker, TimeProvider.System, NullLogger.Instance);
            await t.Sync.StartAsync(CancellationToken.None);
        }
        return t;
    }

    /// <summary>Adds an announced address (as a relay reservation would) and raises AddressesChanged.</summary>
    public void AddAddress(string address)
    {
        _extra.Add(address);
        Local.RaiseChanged();
    }

    public async Task ConnectAsync(TestNode other) =>
        await Node.Host!.DialAsync(Multiaddr.Parse(other.Address), TestTimeout.Token());

    public async ValueTask DisposeAsync()
    {
        if (Sync is not null) await Sync.DisposeAsync();
        await Node.DisposeAsync();
    }
}
