using PluginMesh.Abstractions.Interception;
using PluginMesh.Plugins.Gateway.Istio.Runtime;

namespace PluginMesh.Plugins.Gateway.Istio;

/// <summary>
/// Entry type of <c>gateway.istio</c>: an ingress gateway serving the Istio <c>Gateway</c> and
/// <c>VirtualService</c> objects selected by this node's gateway labels — HTTP and HTTPS listeners
/// (Kestrel, forwarding with YARP), TCP and TLS-passthrough listeners — into services through the
/// proxy's <see cref="IServiceConnector"/>, so that balancing and failover are those of ClusterIP traffic.
/// </summary>
public sealed class GatewayIstioPlugin() : PluginMeshPlugin<GatewayOptions>(
    PluginId,
    "Ingress gateway for Istio Gateway/VirtualService: HTTP, HTTPS (SNI, mTLS), TCP and TLS passthrough into services; off by default",
    provides: [Capabilities.Gateway],
    requires: [],
    uses: [Capabilities.CatalogSource, Capabilities.ServiceConnector])
{
    /// <summary>The plugin id and configuration section name.</summary>
    public const string PluginId = "gateway.istio";

    /// <inheritdoc />
    protected override GatewayOptions ReadOptions(IConfiguration section, string? dataDirectory, Action<string, string> error) =>
        GatewayOptions.Read(section, dataDirectory, error);

    /// <inheritdoc />
    protected override void AddServices(IServiceCollection services, PluginContext context, GatewayOptions options)
    {
        // The catalog sources list and watch these kinds for us (Gateways, VirtualServices, TLS Secrets).
        foreach (var type in GatewayConfigBuilder.ResourceTypes(options.SecretNamespace)) services.AddSingleton(type);
        services.AddSingleton(sp => new GatewayService(options,
            sp.GetService<IServiceCatalog>(),
            sp.GetService<IServiceConnector>(),
            new GatewayMetrics(context.Meter),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddHostedService(sp => sp.GetRequiredService<GatewayService>());
        services.AddSingleton<IStatusContributor>(sp => sp.GetRequiredService<GatewayService>());
    }
}
