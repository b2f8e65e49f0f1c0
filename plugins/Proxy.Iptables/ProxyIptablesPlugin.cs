using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Interception;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Abstractions.Status;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Proxy.Iptables.Rules;
using PluginMesh.Plugins.Proxy.Iptables.Status;

namespace PluginMesh.Plugins.Proxy.Iptables;

/// <summary>
/// Entry type of <c>proxy.iptables</c>: ClusterIP interception (iptables or listen mode), TCP/UDP
/// forwarding with load balancing, and both sides of the <c>/pluginmesh/tunnel/1.0.0</c> protocol.
/// </summary>
public sealed class ProxyIptablesPlugin : IPluginMeshPlugin
{
    /// <summary>The plugin id and configuration section name.</summary>
    public const string PluginId = "proxy.iptables";

    /// <inheritdoc />
    public PluginDescriptor Descriptor { get; } = new(
        PluginId,
        typeof(ProxyIptablesPlugin).Assembly.GetName().Version ?? new Version(0, 0),
        AbstractionsApi.Version,
        Provides: [Capabilities.Intercept],
        Requires: [],
        Uses: [Capabilities.CatalogSource, Capabilities.Tunnel, Capabilities.Directory],
        "ClusterIP interception (iptables/listen), TCP/UDP forwarding, load balancing, remote endpoints over the tunnel");

    /// <inheritdoc />
    public void Validate(PluginValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        ProxyOptions.Read(context.Section, context.Error);
    }

    /// <inheritdoc />
    public void ConfigureServices(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(context);
        var problems = new List<ConfigProblem>();
        var options = ProxyOptions.Read(context.Configuration,
            (key, message) => problems.Add(new ConfigProblem(ConfigPath.Join("plugins." + PluginId, key), message)));
        if (problems.Count > 0) throw new ConfigValidationException(problems);
        var mode = ResolveMode(options.Mode);

        services.AddSingleton(_ => new ProxyMetrics(context.Meter));
        if (mode == ProxyMode.Iptables)
        {
            services.AddSingleton(sp => new IptablesInterceptor(options, new CommandRunner(options.Netns), sp.GetRequiredService<ProxyMetrics>(),
                sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<ILogger<IptablesInterceptor>>()));
            services.AddSingleton<ITrafficInterceptor>(sp => sp.GetRequiredService<IptablesInterceptor>());
        }
        services.AddSingleton(sp => new ProxyHostedService(
            options, mode, context.Node.NodeName,
            sp.GetRequiredService<IServiceCatalog>(),
            sp.GetService<IMeshTunnel>(),
            sp.GetService<IFailoverPolicy>(),
            sp.GetService<IEndpointPolicy>(),
            sp.GetService<IptablesInterceptor>(),
            sp.GetRequiredService<ProxyMetrics>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<ILogger<ProxyHostedService>>(),
            sp.GetService<INodeLiveness>()));
        services.AddHostedService(sp => sp.GetRequiredService<ProxyHostedService>());
        services.AddSingleton<IStatusContributor>(sp => new ProxyStatusContributor(sp.GetRequiredService<ProxyHostedService>()));
    }

    /// <summary><c>auto</c> means iptables when we may change the nat table (root), listen otherwise.</summary>
    public static ProxyMode ResolveMode(ProxyMode configured) =>
        configured != ProxyMode.Auto ? configured : Environment.IsPrivilegedProcess ? ProxyMode.Iptables : ProxyMode.Listen;
}
