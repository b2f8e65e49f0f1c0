using PluginMesh.Abstractions.Catalog;
using PluginMesh.Host.Admin;

namespace PluginMesh.Host.Catalog;

/// <summary>The <c>catalog</c> section of <c>/status</c>: sources, and services with their endpoint counts.</summary>
internal sealed class CatalogStatusSection(IServiceCatalog catalog, IEnumerable<ICatalogSource> sources) : IHostStatusSection
{
    public string Section => "catalog";

    public object GetStatus()
    {
        var snapshot = catalog.Current;
        return new
        {
            version = snapshot.Version,
            sources = sources.Select(s => new { name = s.Name, synced = s.Synced, lastSync = s.LastSync }).ToList(),
            nodes = snapshot.Nodes.Count,
            services = snapshot.Services.Values
                .OrderBy(s => s.Key.Namespace, StringComparer.Ordinal).ThenBy(s => s.Key.Name, StringComparer.Ordinal)
                .Select(s =>
                {
                    var eps = snapshot.Endpoints.TryGetValue(s.Key, out var e) ? e.Endpoints : [];
                    return new
                    {
                        name = s.Key.ToString(),
                        clusterIPs = s.ClusterIps.Select(ip => ip.ToString()).ToList(),
                        headless = s.Headless,
                        ports = s.Ports.Select(p => $"{p.Port}/{p.Protocol.ToString().ToLowerInvariant()}" + (p.Name.Length > 0 ? $" ({p.Name})" : "")).ToList(),
                        endpoints = eps.Count,
                        ready = eps.Count(x => x.Ready),
                        nodes = eps.Select(x => x.NodeName).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList(),
                    };
                }).ToList(),
        };
    }
}
