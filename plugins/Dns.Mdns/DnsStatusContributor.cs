using PluginMesh.Abstractions.Status;
using PluginMesh.Plugins.Dns.Mdns.Server;

namespace PluginMesh.Plugins.Dns.Mdns;

/// <summary>Reports the server's state under <c>dns</c>; reads only in-memory values.</summary>
internal sealed class DnsStatusContributor(ClusterDnsResponder responder, DnsQueryHandler handler, DnsMetrics metrics) : IStatusContributor
{
    public string Section => "dns";

    public object GetStatus()
    {
        var zone = handler.Zone;
        return new DnsStatus(
            responder.ListenEndpoints.Select(e => e.ToString() ?? "").ToList(),
            zone.Domain,
            handler.Forwarder.Upstreams.Select(u => u.ToString()).ToList(),
            zone.CatalogVersion,
            zone.NameCount,
            metrics.Totals(),
            handler.Forwarder.CacheCount,
            metrics.CacheHits);
    }
}
