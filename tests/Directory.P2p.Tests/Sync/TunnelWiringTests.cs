using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Directory.P2p.Api;
using PluginMesh.Plugins.Directory.P2p.Store;
using PluginMesh.Plugins.Directory.P2p.Sync;
using PluginMesh.Plugins.Directory.P2p.Tests.Support;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.P2p;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Sync;

/// <summary>
/// The directory on tunnel.libp2p's own ILocalPeer / IPeerNetwork, and the tunnel resolving
/// <c>PeerTarget(NodeName)</c> through the directory: the wiring the agent will use.
/// </summary>
public sealed class TunnelWiringTests : IDisposable
{
    private const string Hello = "/pluginmesh/test/hello/1.0.0";
    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("pm-directory-wiring-").FullName;

    [Fact]
    public async Task OpenStreamByNodeName_LearnedThroughAThirdPeer_DialsDirectAddressFromRecord()
    {
        await using var a = await Wired.StartAsync(_dir, "wired-a");
        await using var b = await Wired.StartAsync(_dir, "wired-b");
        await using var c = await Wired.StartAsync(_dir, "wired-c");
        using var hello = b.Tunnel.RegisterHandler(Hello, async (s, ct) =>
        {
            await s.Stream.WriteAsync("hi from wired-b"u8.ToArray(), ct);
            await s.CloseWriteAsync(ct);
        });
        await a.ConnectAsync(b);
        await c.ConnectAsync(a);
        await Eventually.TrueAsync(() => c.Store.Resolve("wired-b")?.PeerId == b.Node.LocalPeer.PeerId, "C learned B through A");
        Assert.DoesNotContain(c.Node.Network.Connections, x => x.PeerId == b.Node.LocalPeer.PeerId);

        await using var stream = await c.Tunnel.OpenStreamAsync(new PeerTarget(NodeName: "wired-b"), Hello, TestTimeout.Token()).Opened();
        Assert.Equal(b.Node.LocalPeer.PeerId, stream.Remote.PeerId);
        using var reader = new StreamReader(stream.Stream);
        Assert.Equal("hi from wired-b", await reader.ReadToEndAsync(TestTimeout.Token()));

        // A relay reservation announced through IPeerNetwork re-publishes B's record with the circuit.
        var circuit = "/ip4/127.0.0.1/tcp/9/p2p/" + a.Node.LocalPeer.PeerId + "/p2p-circuit";
        b.Node.Network.SetAnnouncedAddresses("relay", [Multiaddr.Parse(circuit)]);
        await Eventually.TrueAsync(() => c.Store.Resolve("wired-b")!.RelayAddresses.Any(r => r.ToString().StartsWith(circuit, StringComparison.Ordinal)), "circuit address reached C");

        // A relay offer set on the tunnel's own ILocalPeer reaches C with its facts, announced as a capability.
        b.Node.LocalPeer.SetOffer(new ServiceOffer("relay", new Dictionary<string, double> { ["reservations"] = 1, ["load"] = 0.125 }));
        await Eventually.TrueAsync(() => c.Store.Resolve("wired-b")!.Offers.TryGetValue("relay", out var f) && f["load"] == 0.125, "relay offer reached C");
        Assert.Contains("relay", c.Store.Resolve("wired-b")!.Capabilities);
    }

    [Fact]
    public async Task Bootstrap_AgentsOnlyTheApiBinds_MeetWithNoConnectionToStartFrom_ThenStopDialling()
    {
        // Three agents, no connection between them, nothing in common but the API's view of their Nodes.
        var catalog = new TestCatalog();
        catalog.Kubernetes.SetConnected(true, DateTimeOffset.UtcNow);
        await using var a = await Wired.StartAsync(_dir, "wired-a", catalog);
        await using var b = await Wired.StartAsync(_dir, "wired-b", catalog);
        await using var c = await Wired.StartAsync(_dir, "wired-c", catalog);
        catalog.SetAgents(("wired-a", a.Agent()), ("wired-b", b.Agent()), ("wired-c", c.Agent()));
        Assert.Empty(a.Node.Network.Connections);

        // The housekeeping rounds (every 2 s) dial bound peers while fewer than two are connected.
        await Eventually.TrueAsync(() => Connected(a, b) && Connected(a, c) && Connected(b, c), "every pair connected through bootstrap");
        // The dial was an exchange: each learned the others' own records.
        await Eventually.TrueAsync(() => a.Store.Resolve("wired-b")?.Source == RecordSource.Api && a.Store.ResolvePeer(c.Node.LocalPeer.PeerId) is not null, "records exchanged");
        // Enough peers: no more bootstrap dials.
        Assert.Empty(a.Sync.Bootstrap(TestTimeout.Token()));
    }

    [Fact]
    public async Task Bootstrap_UnreachableBoundPeer_IsDialledAtMostOncePerRetryPeriod()
    {
        var catalog = new TestCatalog();
        catalog.Kubernetes.SetConnected(true, DateTimeOffset.UtcNow);
        await using var a = await Wired.StartAsync(_dir, "wired-a", catalog);
        var ghost = PluginMesh.P2p.Crypto.PrivateKey.Generate().PeerId;
        // A closed port on loopback: refused at once.
        catalog.SetAgents(("wired-a", a.Agent()), ("ghost", new NodeAgent(ghost, [Multiaddr.Parse("/ip4/127.0.0.1/tcp/1/p2p/" + ghost)], OffersRelay: true)));

        await Eventually.TrueAsync(() => a.Tracker.Get(ghost.ToString()) is { Kind: "bootstrap", Error: not null }, "bootstrap dial to the ghost failed");
        Assert.Empty(a.Sync.Bootstrap(TestTimeout.Token()));
        Assert.True(DirectorySyncService.BootstrapRetry > TimeSpan.FromSeconds(2), "the retry period outlasts a housekeeping round");
    }

    private static bool Connected(Wired x, Wired y) => x.Node.Network.Connections.Any(c => c.PeerId == y.Node.LocalPeer.PeerId);

    public void Dispose() => System.IO.Directory.Delete(_dir, recursive: true);

    /// <summary>A libp2p node whose tunnel finds node names in its own directory.</summary>
    private sealed class Wired : IAsyncDisposable
    {
        private Wired(Libp2pNodeService node, MeshTunnel tunnel, RecordStore store, DirectorySyncService sync, SyncTracker tracker)
        {
            Node = node;
            Tunnel = tunnel;
            Store = store;
            Sync = sync;
            Tracker = tracker;
        }

        public Libp2pNodeService Node { get; }
        public MeshTunnel Tunnel { get; }
        public RecordStore Store { get; }
        public DirectorySyncService Sync { get; }

        public SyncTracker Tracker { get; }

        /// <summary>What this agent publishes on its Node: its PeerId and listen address.</summary>
        public NodeAgent Agent() => new(Node.LocalPeer.PeerId, [Node.LocalPeer.Addresses[0].WithPeerId(Node.LocalPeer.PeerId)], OffersRelay: false);

        /// <param name="catalog">The API's view (bindings from its Nodes' agents); none: no API.</param>
        public static async Task<Wired> StartAsync(string dir, string name, TestCatalog? catalog = null)
        {
            var store = Stores.Create(TimeProvider.System);
            var services = new ServiceCollection();
            services.AddSingleton<INodeDirectory>(store);
            var node = new Libp2pNodeService(new Libp2pOptions
            {
                KeyFile = Path.Combine(dir, name + ".key"),
                Listen = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")],
            }, NullLoggerFactory.Instance);
            var tunnel = new MeshTunnel(node, new SingletonServices(services));
            await node.StartAsync(CancellationToken.None);
            var tracker = new SyncTracker(TimeProvider.System);
            var api = catalog is null ? null : new ApiView(store, catalog, () => [catalog.Kubernetes], TimeProvider.System);
            var sync = new DirectorySyncService(store, DirectoryOptions.Default, name, node.LocalPeer, tunnel, node.Network,
                tracker, TimeProvider.System, NullLogger.Instance, api);
            await sync.StartAsync(CancellationToken.None);
            return new Wired(node, tunnel, store, sync, tracker);
        }

        public async Task ConnectAsync(Wired other) =>
            await Node.Host!.DialAsync(other.Node.LocalPeer.Addresses[0], TestTimeout.Token());

        public async ValueTask DisposeAsync()
        {
            await Sync.DisposeAsync();
            await Node.DisposeAsync();
        }
    }
}
