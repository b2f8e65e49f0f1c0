using PluginMesh.Abstractions.Directory;

namespace PluginMesh.Plugins.Proxy.Socks5;

/// <summary>
/// Entry type of <c>proxy.socks5</c>: a SOCKS5 proxy whose destinations are node names (EdgeMesh's
/// <c>ssh -o ProxyCommand='nc -X 5 -x 169.254.96.16:10800 %h %p' edge-node-7</c>), carried through
/// the tunnel to that node's agent, which dials the port on its own host — both sides of
/// <c>/pluginmesh/socks-target/1.0.0</c>.
/// </summary>
public sealed class ProxySocks5Plugin() : PluginMeshPlugin<Socks5Options>(
    PluginId,
    "SOCKS5 proxy to node names (e.g. SSH to edge nodes) through the tunnel; allow-listed ports of each node only",
    provides: [Capabilities.NodeProxy],
    requires: [],
    uses: [Capabilities.Tunnel, Capabilities.Directory, Capabilities.CatalogSource])
{
    /// <summary>The plugin id and configuration section name.</summary>
    public const string PluginId = "proxy.socks5";

    /// <inheritdoc />
    protected override Socks5Options ReadOptions(IConfiguration section, string? dataDirectory, Action<string, string> error) =>
        Socks5Options.Read(section, dataDirectory ?? "/", Environment.IsPrivilegedProcess, error);

    /// <inheritdoc />
    protected override void AddServices(IServiceCollection services, PluginContext context, Socks5Options options)
    {
        services.AddSingleton(sp => new Socks5Service(options, context.Node.NodeName,
            sp.GetService<IServiceCatalog>(),
            sp.GetService<IMeshTunnel>(),
            sp.GetService<INodeDirectory>(),
            sp.GetService<IPeerNetwork>(),
            new Socks5Metrics(context.Meter),
            sp.GetRequiredService<ILogger<Socks5Service>>()));
        services.AddHostedService(sp => sp.GetRequiredService<Socks5Service>());
        services.AddSingleton<IStatusContributor>(sp => sp.GetRequiredService<Socks5Service>());
    }
}
