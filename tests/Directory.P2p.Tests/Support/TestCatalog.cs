using PluginMesh.Abstractions.Catalog;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Support;

/// <summary>
/// The host's catalog as the directory sees it (snapshots of nodes) and a <c>kubernetes</c> source whose
/// contact the test switches: the host's store and catalog.kubernetes live in other assemblies.
/// </summary>
internal sealed class TestCatalog : IServiceCatalog
{
    private CatalogSnapshot _current = CatalogSnapshot.Empty;

    public CatalogSnapshot Current => Volatile.Read(ref _current);

    public event Action<CatalogSnapshot>? Changed;

    public TestSource Kubernetes { get; } = new("kubernetes");

    /// <summary>Publishes nodes (name, agent key or null) as a new snapshot.</summary>
    public void SetNodes(params (string Name, PrivateKey? Agent)[] nodes)
    {
        var map = nodes.ToDictionary(n => n.Name, n => new MeshNode(n.Name, [], [], new Dictionary<string, string> { ["zone"] = "z-" + n.Name },
            n.Agent is null ? null : new NodeAgent(n.Agent.PeerId, [Multiaddr.Parse("/ip4/10.9.0.1/tcp/4001/p2p/" + n.Agent.PeerId)], OffersRelay: false)), StringComparer.Ordinal);
        var snapshot = new CatalogSnapshot(Current.Version + 1, Current.Services, Current.Endpoints, map);
        Volatile.Write(ref _current, snapshot);
        Changed?.Invoke(snapshot);
    }

    /// <summary>Publishes nodes whose agents published themselves with exactly <paramref name="nodes"/>' PeerIds and addresses.</summary>
    public void SetAgents(params (string Name, NodeAgent Agent)[] nodes)
    {
        var map = nodes.ToDictionary(n => n.Name, n => new MeshNode(n.Name, [], [], null, n.Agent), StringComparer.Ordinal);
        var snapshot = new CatalogSnapshot(Current.Version + 1, Current.Services, Current.Endpoints, map);
        Volatile.Write(ref _current, snapshot);
        Changed?.Invoke(snapshot);
    }

    /// <summary>Replaces one node's labels (the node is added, without an agent, when absent).</summary>
    public void SetLabels(string name, IReadOnlyDictionary<string, string> labels)
    {
        var map = new Dictionary<string, MeshNode>(Current.Nodes, StringComparer.Ordinal);
        map[name] = map.TryGetValue(name, out var node) ? node with { Labels = labels } : new MeshNode(name, [], [], labels, null);
        var snapshot = new CatalogSnapshot(Current.Version + 1, Current.Services, Current.Endpoints, map);
        Volatile.Write(ref _current, snapshot);
        Changed?.Invoke(snapshot);
    }
}

internal sealed class TestSource(string name) : ICatalogSource
{
    public string Name { get; } = name;

    public bool Synced => true;

    public DateTimeOffset? LastSync { get; set; }

    public bool Connected { get; private set; }

    public DateTimeOffset? ConnectedChangedAt { get; private set; }

    public void SetConnected(bool connected, DateTimeOffset at)
    {
        Connected = connected;
        ConnectedChangedAt = at;
    }
}
