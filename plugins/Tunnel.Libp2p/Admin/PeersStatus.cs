namespace PluginMesh.Plugins.Tunnel.Libp2p.Admin;

/// <summary>
/// The <c>peers</c> section of <c>/status</c> (what <c>pluginmesh peers</c> shows): live connections with
/// path kind and RTT, named by the node directory when one runs and knows them.
/// </summary>
/// <remarks>Thread-safe; reads snapshots only.</remarks>
internal sealed class PeersStatus(IPeerNetwork network, IServiceProvider services) : IStatusContributor
{
    public string Section => "peers";

    public object GetStatus()
    {
        // Resolved at each call: the directory plugin is optional and may start after us.
        var directory = services.GetService<INodeDirectory>();
        return new
        {
            reachability = network.Reachability.ToString().ToLowerInvariant(),
            connections = network.Connections
                .OrderBy(c => c.PeerId)
                .Select(c => new
                {
                    node = directory?.ResolvePeer(c.PeerId)?.NodeName,
                    peerId = c.PeerId.ToString(),
                    path = c.Path.ToText(),
                    address = c.RemoteAddress.ToString(),
                    direction = c.Inbound ? "inbound" : "outbound",
                    rttMs = c.Rtt is { } rtt ? Math.Round(rtt.TotalMilliseconds, 2) : (double?)null,
                    since = c.OpenedAt,
                }).ToList(),
        };
    }
}
