using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Discovery;
using PluginMesh.Abstractions.Dns;
using PluginMesh.Abstractions.Tunnel;

namespace PluginMesh.Plugins.Dns.Mdns;

/// <summary>
/// Entry type of <c>dns.mdns</c>: the node-local DNS server (authoritative for the cluster domain,
/// forwarding the rest) and libp2p mDNS peer discovery, each of which can be switched off.
/// </summary>
public sealed class DnsMdnsPlugin() : PluginMeshPlugin<(DnsOptions Dns, MdnsOptions Mdns)>(
    PluginId,
    "Node-local DNS (cluster names from the catalog, the rest forwarded) and libp2p mDNS peer discovery",
    provides: [Capabilities.Dns, Capabilities.Discovery],
    // Not Uses: tunnel: ILocalPeer is read when present and followed through AddressesChanged, so
    // start order does not matter, and the tunnel may use discovery without a capability cycle.
    uses: [Capabilities.CatalogSource])
{
    /// <summary>The plugin id and configuration section name.</summary>
    public const string PluginId = "dns.mdns";

    /// <summary>Whether the process may create interfaces and bind port 53; decides defaults.</summary>
    internal static bool IsRoot => Environment.IsPrivilegedProcess;

    /// <inheritdoc />
    protected override (DnsOptions Dns, MdnsOptions Mdns) ReadOptions(IConfiguration section, string? dataDirectory, Action<string, string> error) =>
        (DnsOptions.Read(section, IsRoot, error),
         MdnsOptions.Read(section.GetSection("mdns"), (key, message) => error(key.Length == 0 ? "mdns" : "mdns:" + key, message)));

    /// <inheritdoc />
    protected override void AddServices(IServiceCollection services, PluginContext context, (DnsOptions Dns, MdnsOptions Mdns) read)
    {
        var (options, mdns) = read;
        mdns = mdns with { OwnInterface = options.InterfaceName };

        if (mdns.Enabled)
        {
            services.AddSingleton(new MdnsMetrics(context.Meter));
            services.AddSingleton(sp => new MdnsDiscovery(mdns, sp.GetRequiredService<MdnsMetrics>(), Time(sp), Logger(sp)));
            services.AddSingleton<IPeerDiscovery>(sp => sp.GetRequiredService<MdnsDiscovery>());
            services.AddHostedService(sp => new MdnsHostedService(sp.GetRequiredService<MdnsDiscovery>(), sp.GetService<ILocalPeer>()));
        }
        services.AddSingleton<IStatusContributor>(sp => new DnsStatusContributor(
            sp.GetService<ClusterDnsResponder>(), sp.GetService<DnsQueryHandler>(), sp.GetService<DnsMetrics>(),
            sp.GetService<MdnsDiscovery>(), mdns, options.ClusterDomain));
        if (!options.ServeDns) return;

        // Only object graphs here; sockets, files and the interface wait for the hosted service.
        services.AddSingleton(new DnsMetrics(context.Meter));
        services.AddSingleton(sp => new UpstreamForwarder(options, sp.GetRequiredService<DnsMetrics>(), Time(sp), Logger(sp)));
        services.AddSingleton(sp => new DnsQueryHandler(
            ZoneBuilder.Build(CatalogSnapshot.Empty, options.ClusterDomain, options.Ttl),
            sp.GetRequiredService<UpstreamForwarder>(), ForwardAdmission.For(options, sp.GetRequiredService<DnsMetrics>(), Time(sp)),
            sp.GetRequiredService<DnsMetrics>(), Time(sp)));
        services.AddSingleton(sp => new ClusterDnsResponder(sp.GetRequiredService<DnsQueryHandler>(), options.Listen.Cast<EndPoint>().ToList()));
        services.AddSingleton<IDnsResponder>(sp => sp.GetRequiredService<ClusterDnsResponder>());
        services.AddHostedService(sp => new DnsHostedService(options, sp.GetRequiredService<DnsQueryHandler>(),
            sp.GetRequiredService<ClusterDnsResponder>(), sp.GetService<IServiceCatalog>(), Time(sp), Logger(sp)));
    }

    private static TimeProvider Time(IServiceProvider sp) => sp.GetService<TimeProvider>() ?? TimeProvider.System;

    private static ILogger Logger(IServiceProvider sp) =>
        (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("PluginMesh.Plugins.Dns.Mdns");
}
