using PluginMesh.Abstractions.Directory;
using PluginMesh.P2p;

namespace PluginMesh.Plugins.Proxy.Iptables.Tunnel;

/// <summary>
/// Who may make the serving side dial what. A stream is served only when the peer is a member, the
/// target is not the control plane, the target is an endpoint (address, resolved port, protocol) of a
/// service in this agent's catalog, and the catalog places that endpoint on this node (or a served
/// CIDR holds it). Everything else is a <see cref="TunnelRefusal"/>, counted by reason: the tunnel is
/// never an open proxy, not even for members, and a member cannot use it to reach other nodes.
/// </summary>
/// <remarks>Thread-safe; the catalog-derived tables are rebuilt once per catalog version, not per stream.</remarks>
public sealed class TunnelAuthorizer(IServiceCatalog catalog, string nodeName, ProxyOptions options, int? adminPort, INodeDirectory? directory, ProxyMetrics metrics)
{
    /// <summary>The service whose endpoints are the Kubernetes API server.</summary>
    public static readonly ServiceKey ApiServer = new("default", "kubernetes");

    private readonly ConcurrentDictionary<TunnelRefusalReason, long> _refused = new();
    private volatile Tables? _tables;

    /// <summary>Refusals since start by reason code (<c>not_member</c>, …), for status.</summary>
    public IReadOnlyDictionary<string, long> Refused =>
        _refused.OrderBy(p => p.Key).ToDictionary(p => TunnelRefusal.ToCode(p.Key), p => p.Value, StringComparer.Ordinal);

    /// <summary>Null when <paramref name="peer"/> may have <paramref name="header"/> dialed; otherwise why not (already counted).</summary>
    public TunnelRefusal? Authorize(RemotePeer peer, TunnelHeader header)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(header);
        var refusal = Check(peer.PeerId, header);
        if (refusal is not null)
        {
            _refused.AddOrUpdate(refusal.Reason, 1, (_, n) => n + 1);
            metrics.TunnelRefused(refusal.Code);
        }
        return refusal;
    }

    private TunnelRefusal? Check(PeerId peer, TunnelHeader header)
    {
        var tables = Current();
        if (!IsMember(peer, tables))
            return new(TunnelRefusalReason.NotMember, $"not_member: peer {peer} is not bound to a node name (Kubernetes API, cached API binding or node directory)");

        var target = header.Target.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(header.Target.Address.MapToIPv4(), header.Target.Port) : header.Target;
        tables.Endpoints.TryGetValue((target, header.Protocol), out var owners);
        if (!options.TunnelAllowControlPlane)
        {
            if (owners is not null && owners.Any(o => o.Service == ApiServer))
                return new(TunnelRefusalReason.ControlPlane, $"control_plane: {target} is an endpoint of {ApiServer} (the API server)");
            if (target.Port == adminPort || options.TunnelDeniedPorts.Contains(target.Port))
                return new(TunnelRefusalReason.ControlPlane, $"control_plane: port {target.Port} is a kubelet or agent admin port");
        }
        if (owners is null)
            return new(TunnelRefusalReason.NotInCatalog, $"not_in_catalog: {target} ({header.Protocol}) is not an endpoint in this agent's catalog");
        if (owners.Any(o => string.Equals(o.Node, nodeName, StringComparison.Ordinal))) return null;
        foreach (var net in options.TunnelServeCidrs)
        {
            if (net.Contains(target.Address)) return null;
        }
        var where = owners.Select(o => o.Node).FirstOrDefault(n => n is not null) ?? "no node";
        return new(TunnelRefusalReason.NotOnThisNode, $"not_on_this_node: {target} is on {where}, not {nodeName}");
    }

    private bool IsMember(PeerId peer, Tables tables)
    {
        // PSK holders are the only ones connected at all; "connected" stops there.
        if (options.TunnelMembers == TunnelMembers.Connected) return true;
        if (tables.ApiBound.Contains(peer)) return true;
        if (directory is not null) return directory.ResolvePeer(peer) is not null;
        // No binding known anywhere (a catalog file, no directory): holding the PSK is all there is.
        return tables.ApiBound.Count == 0;
    }

    private Tables Current()
    {
        var snapshot = catalog.Current;
        var tables = _tables;
        if (tables is null || tables.Version != snapshot.Version)
        {
            tables = Build(snapshot);
            _tables = tables;
        }
        return tables;
    }

    private static Tables Build(CatalogSnapshot snapshot)
    {
        var endpoints = new Dictionary<(IPEndPoint, TransportProtocol), List<Owner>>();
        foreach (var (key, list) in snapshot.Endpoints)
        {
            if (!snapshot.Services.TryGetValue(key, out var service)) continue;
            foreach (var ep in list.Endpoints)
            {
                foreach (var port in service.Ports)
                {
                    var target = ServiceRegistry.ResolveTargetPort(port, ep);
                    if (target <= 0) continue;
                    var k = (new IPEndPoint(ep.Address, target), port.Protocol);
                    if (!endpoints.TryGetValue(k, out var owners)) endpoints[k] = owners = [];
                    owners.Add(new Owner(key, ep.NodeName));
                }
            }
        }
        return new Tables(snapshot.Version, endpoints, snapshot.BoundPeerIds());
    }

    private sealed record Owner(ServiceKey Service, string? Node);

    private sealed record Tables(long Version, Dictionary<(IPEndPoint, TransportProtocol), List<Owner>> Endpoints, IReadOnlySet<PeerId> ApiBound);
}
