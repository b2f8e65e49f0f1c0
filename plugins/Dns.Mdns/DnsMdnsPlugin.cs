using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Dns;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Abstractions.Status;
using PluginMesh.Plugins.Dns.Mdns.Forwarding;
using PluginMesh.Plugins.Dns.Mdns.Server;
using PluginMesh.Plugins.Dns.Mdns.Zone;

namespace PluginMesh.Plugins.Dns.Mdns;

/// <summary>
/// Entry type of <c>dns.mdns</c>: the node-local DNS server (authoritative for the cluster domain,
/// forwarding the rest). The multicast half (mDNS peer discovery) will join it in this assembly.
/// </summary>
public sealed class DnsMdnsPlugin : IPluginMeshPlugin
{
    /// <summary>The plugin id and configuration section name.</summary>
    public const string PluginId = "dns.mdns";

    /// <inheritdoc />
    public PluginDescriptor Descriptor { get; } = new(
        PluginId,
        typeof(DnsMdnsPlugin).Assembly.GetName().Version ?? new Version(0, 0),
        AbstractionsApi.Version,
        Provides: [Capabilities.Dns],
        Requires: [],
        Uses: [Capabilities.CatalogSource],
        "Node-local DNS: cluster service names from the catalog, everything else forwarded with a cache");

    /// <summary>Whether the process may create interfaces and bind port 53; decides defaults.</summary>
    internal static bool IsRoot => Environment.IsPrivilegedProcess;

    /// <inheritdoc />
    public void Validate(PluginValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        DnsOptions.Read(context.Section, IsRoot, context.Error);
    }

    /// <inheritdoc />
    public void ConfigureServices(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(context);

        var problems = new List<ConfigProblem>();
        var prefix = "plugins." + PluginId;
        var options = DnsOptions.Read(context.Configuration, IsRoot,
            (key, message) => problems.Add(new ConfigProblem(ConfigPath.Join(prefix, key), message)));
        if (problems.Count > 0) throw new ConfigValidationException(problems);

        // Only object graphs here; sockets, files and the interface wait for the hosted service.
        services.AddSingleton(new DnsMetrics(context.Meter));
        services.AddSingleton(sp => new UpstreamForwarder(options, sp.GetRequiredService<DnsMetrics>(), Time(sp), Logger(sp)));
        services.AddSingleton(sp => new DnsQueryHandler(
            ZoneBuilder.Build(CatalogSnapshot.Empty, options.ClusterDomain, options.Ttl),
            sp.GetRequiredService<UpstreamForwarder>(), sp.GetRequiredService<DnsMetrics>(), Time(sp)));
        services.AddSingleton(sp => new ClusterDnsResponder(sp.GetRequiredService<DnsQueryHandler>(), options.Listen.Cast<EndPoint>().ToList()));
        services.AddSingleton<IDnsResponder>(sp => sp.GetRequiredService<ClusterDnsResponder>());
        services.AddSingleton<IStatusContributor>(sp => new DnsStatusContributor(
            sp.GetRequiredService<ClusterDnsResponder>(), sp.GetRequiredService<DnsQueryHandler>(), sp.GetRequiredService<DnsMetrics>()));
        services.AddHostedService(sp => new DnsHostedService(options, sp.GetRequiredService<DnsQueryHandler>(),
            sp.GetRequiredService<ClusterDnsResponder>(), sp.GetService<IServiceCatalog>(), Time(sp), Logger(sp)));
    }

    private static TimeProvider Time(IServiceProvider sp) => sp.GetService<TimeProvider>() ?? TimeProvider.System;

    private static ILogger Logger(IServiceProvider sp) =>
        (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("PluginMesh.Plugins.Dns.Mdns");
}
