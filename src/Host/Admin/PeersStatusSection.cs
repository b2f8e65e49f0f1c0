using Microsoft.Extensions.DependencyInjection;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Tunnel;

namespace PluginMesh.Host.Admin;

/// <summary>
/// The <c>peers</c> section of <c>/status</c>: live connections with path kind and RTT, named by the
/// node directory when it knows them. Empty when no tunnel plugin runs.
/// </summary>
internal sealed class PeersStatusSection(IServiceProvider services) : IHostStatusSection
{
    public string Section => "peers";

    public object GetStatus()
    {
        var network = services.GetService<IPeerNetwork>();
        if (network is null) return new { reachability = "unknown", connections = Array.Empty<object>() };
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
