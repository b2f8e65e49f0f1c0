using PluginMesh.Abstractions.Catalog;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Network;

/// <summary>
/// The cluster's pod networks as the catalog knows them: every node's pod CIDRs. An agent's address
/// inside one is the CNI bridge's gateway on its own node (10.244.N.1): other nodes have no route to
/// it (or, on a flat pod network, reach the node better on its own address), so it is not advertised,
/// and a peer's address inside one is dialed last (an older agent may still announce it). Without a
/// catalog, or before it lists nodes, nothing is inside.
/// </summary>
public sealed class ClusterRanges
{
    private readonly Func<IServiceCatalog?> _catalog;
    private readonly Lock _lock = new();
    private CatalogSnapshot? _parsedFrom;
    private IPNetwork[] _ranges = [];

    /// <param name="catalog">Read at use: the catalog is registered by the host, found after the plugin is built.</param>
    public ClusterRanges(Func<IServiceCatalog?> catalog) => _catalog = catalog;

    /// <summary>Ranges that hold nothing (no catalog).</summary>
    public static ClusterRanges None { get; } = new(() => null);

    /// <summary>The pod CIDRs of every node in the current catalog.</summary>
    public IReadOnlyList<IPNetwork> Current
    {
        get
        {
            var snapshot = _catalog()?.Current;
            if (snapshot is null) return [];
            lock (_lock)
            {
                if (!ReferenceEquals(snapshot, _parsedFrom))
                {
                    _ranges = Parse(snapshot);
                    _parsedFrom = snapshot;
                }
                return _ranges;
            }
        }
    }

    /// <summary>True when <paramref name="ip"/> is inside a node's pod CIDR.</summary>
    public bool Contains(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        foreach (var range in Current)
        {
            if (range.Contains(ip)) return true;
        }
        return false;
    }

    /// <summary>True when <paramref name="address"/> is a direct IP address inside a node's pod CIDR.</summary>
    public bool Contains(Multiaddr address) =>
        !address.IsRelayed && address.TryGetIp(out var ip) && Contains(ip);

    /// <summary>
    /// Calls <paramref name="changed"/> after a catalog change that changed the ranges (a node added
    /// with its pod CIDR, the catalog read from the cache at start); nothing without a catalog.
    /// </summary>
    public IDisposable Watch(Action changed)
    {
        var catalog = _catalog();
        if (catalog is null) return new HandlerRegistration(() => { });
        var last = Current;
        void OnChanged(CatalogSnapshot _)
        {
            var now = Current;
            if (now.SequenceEqual(Interlocked.Exchange(ref last, now))) return;
            changed();
        }
        catalog.Changed += OnChanged;
        return new HandlerRegistration(() => catalog.Changed -= OnChanged);
    }

    private static IPNetwork[] Parse(CatalogSnapshot snapshot)
    {
        var result = new List<IPNetwork>();
        foreach (var node in snapshot.Nodes.Values)
        {
            foreach (var cidr in node.PodCidrs)
            {
                // A malformed CIDR is the catalog source's to report; here it only means "not a pod range".
                if (IPNetwork.TryParse(cidr, out var network) && !result.Contains(network)) result.Add(network);
            }
        }
        return [.. result];
    }
}
