namespace PluginMesh.Plugins.Dns.Mdns;

/// <summary>Reports the server's and discovery's state under <c>dns</c>; reads only in-memory values.</summary>
/// <remarks>Each half is null when configured off; the section is still there so operators see it is off.</remarks>
internal sealed class DnsStatusContributor(
    ClusterDnsResponder? responder, DnsQueryHandler? handler, DnsMetrics? metrics, MdnsDiscovery? mdns = null, MdnsOptions? mdnsOptions = null, string? clusterDomain = null)
    : IStatusContributor
{
    public string Section => "dns";

    public object GetStatus()
    {
        var mdnsStatus = mdns?.Status() ?? new MdnsStatus(false, (mdnsOptions ?? MdnsOptions.Default).ServiceName, "", [], [], [], new Dictionary<string, long>(), new Dictionary<string, long>());
        if (responder is null || handler is null || metrics is null)
            return new DnsStatus([], clusterDomain ?? "", [], 0, 0, new Dictionary<string, long>(), 0, 0) { Serving = false, Mdns = mdnsStatus };
        var zone = handler.Zone;
        return new DnsStatus(
            responder.ListenEndpoints.Select(e => e.ToString() ?? "").ToList(),
            zone.Domain,
            handler.Forwarder.Upstreams.Select(u => u.ToString()).ToList(),
            zone.CatalogVersion,
            zone.NameCount,
            metrics.Totals(),
            handler.Forwarder.CacheCount,
            metrics.CacheHits) { Mdns = mdnsStatus, ForwardsActive = handler.Admission.Active, ListenProblem = responder.ListenProblem };
    }
}
