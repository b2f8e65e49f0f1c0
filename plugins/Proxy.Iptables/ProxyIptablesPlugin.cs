using PluginMesh.Abstractions.Directory;
using PluginMesh.Plugins.Proxy.Iptables.Rules;
using PluginMesh.Plugins.Proxy.Iptables.Status;

namespace PluginMesh.Plugins.Proxy.Iptables;

/// <summary>
/// Entry type of <c>proxy.iptables</c>: ClusterIP interception (iptables or listen mode), TCP/UDP
/// forwarding with load balancing, and both sides of the <c>/pluginmesh/tunnel/1.0.0</c> protocol.
/// </summary>
public sealed class ProxyIptablesPlugin() : PluginMeshPlugin<ProxyOptions>(
    PluginId,
    "ClusterIP interception (iptables/listen), TCP/UDP forwarding, load balancing, remote endpoints over the tunnel",
    provides: [Capabilities.Intercept, Capabilities.ServiceConnector],
    uses: [Capabilities.CatalogSource, Capabilities.Tunnel, Capabilities.Directory])
{
    /// <summary>The plugin id and configuration section name.</summary>
    public const string PluginId = "proxy.iptables";

    /// <inheritdoc />
    protected override ProxyOptions ReadOptions(IConfiguration section, string? dataDirectory, Action<string, string> error) =>
        ProxyOptions.Read(section, error);

    /// <inheritdoc />
    protected override void AddServices(IServiceCollection services, PluginContext context, ProxyOptions options)
    {
        var choice = ModeChoice.Resolve(options);

        services.AddSingleton(_ => new ProxyMetrics(context.Meter));
        if (choice.Mode == ProxyMode.Iptables)
        {
            services.AddSingleton(sp => new IptablesInterceptor(options, new CommandRunner(options.Netns), sp.GetRequiredService<ProxyMetrics>(),
                sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<ILogger<IptablesInterceptor>>()));
            services.AddSingleton<ITrafficInterceptor>(sp => sp.GetRequiredService<IptablesInterceptor>());
        }
        services.AddSingleton(sp => new ProxyHostedService(
            options, choice, context.Node.NodeName,
            sp.GetRequiredService<IServiceCatalog>(),
            sp.GetService<IMeshTunnel>(),
            sp.GetService<IFailoverPolicy>(),
            sp.GetService<IEndpointPolicy>(),
            sp.GetService<IptablesInterceptor>(),
            sp.GetRequiredService<ProxyMetrics>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<ILogger<ProxyHostedService>>(),
            sp.GetService<INodeLiveness>(),
            sp.GetService<INodeDirectory>(),
            context.Node.AdminPort,
            sp.GetService<IPeerNetwork>()));
        services.AddHostedService(sp => sp.GetRequiredService<ProxyHostedService>());
        // Connections for plugins that accept traffic themselves (an ingress gateway), balanced and failed over as intercepted ones.
        services.AddSingleton<IServiceConnector>(sp => sp.GetRequiredService<ProxyHostedService>());
        services.AddSingleton<IStatusContributor>(sp => new ProxyStatusContributor(sp.GetRequiredService<ProxyHostedService>()));
    }
}
