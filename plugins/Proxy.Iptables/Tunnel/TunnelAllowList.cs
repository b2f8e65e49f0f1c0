namespace PluginMesh.Plugins.Proxy.Iptables.Tunnel;

/// <summary>
/// What the serving side may dial: endpoint address + port + protocol of some service in this
/// agent's own catalog. Anything else is refused, so the tunnel is never an open proxy.
/// </summary>
public sealed class TunnelAllowList(IServiceCatalog catalog)
{
    private volatile Cache? _cache;

    /// <summary>True when <paramref name="header"/> names a catalog endpoint.</summary>
    public bool IsAllowed(TunnelHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var snapshot = catalog.Current;
        var cache = _cache;
        // Rebuilt once per catalog version, not per stream.
        if (cache is null || cache.Version != snapshot.Version)
        {
            cache = new Cache(snapshot.Version, Build(snapshot));
            _cache = cache;
        }
        var target = header.Target.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(header.Target.Address.MapToIPv4(), header.Target.Port) : header.Target;
        return cache.Allowed.Contains((target, header.Protocol));
    }

    private static HashSet<(IPEndPoint, TransportProtocol)> Build(CatalogSnapshot snapshot)
    {
        var set = new HashSet<(IPEndPoint, TransportProtocol)>();
        foreach (var (key, endpoints) in snapshot.Endpoints)
        {
            if (!snapshot.Services.TryGetValue(key, out var service)) continue;
            foreach (var ep in endpoints.Endpoints)
            {
                foreach (var port in service.Ports)
                {
                    var target = ServiceRegistry.ResolveTargetPort(port, ep);
                    if (target > 0) set.Add((new IPEndPoint(ep.Address, target), port.Protocol));
                }
            }
        }
        return set;
    }

    private sealed record Cache(long Version, HashSet<(IPEndPoint, TransportProtocol)> Allowed);
}
