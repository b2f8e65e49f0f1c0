using PluginMesh.Abstractions.Cache;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Catalog.Kubernetes.Publishing;

namespace PluginMesh.Plugins.Catalog.Kubernetes;

/// <summary>
/// Entry type of <c>catalog.kubernetes</c>: Services, EndpointSlices (or Endpoints), Nodes and —
/// where Istio is installed — DestinationRules (load-balancer settings) listed and watched from the
/// Kubernetes API (KubeEdge's metaServer by default), kept in the cache so an agent restarted with
/// the cloud gone still serves them.
/// </summary>
public sealed class CatalogKubernetesPlugin() : PluginMeshPlugin<KubernetesCatalogOptions>(
    PluginId,
    "Service catalog from the Kubernetes API (list + watch), cached for offline restarts",
    provides: [Capabilities.CatalogSource],
    uses: [Capabilities.Cache])
{
    /// <summary>The plugin id and configuration section name.</summary>
    public const string PluginId = "catalog.kubernetes";

    /// <inheritdoc />
    protected override KubernetesCatalogOptions ReadOptions(IConfiguration section, string? dataDirectory, Action<string, string> error) =>
        KubernetesCatalogOptions.Read(section, error);

    /// <inheritdoc />
    protected override void AddServices(IServiceCollection services, PluginContext context, KubernetesCatalogOptions options)
    {
        // No connection here: the hosted services connect at start. The publisher is always
        // registered, so status says why it is off when it is.
        services.AddSingleton(sp => new NodeAnnotationPublisher(
            options,
            context.Node.NodeName,
            // Read when present and followed through its events, so start order does not matter (not a Uses).
            sp.GetService<ILocalPeer>(),
            sp.GetRequiredService<ILogger<NodeAnnotationPublisher>>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            context.Meter));
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<NodeAnnotationPublisher>());
        services.AddCatalogSource(sp => new KubernetesCatalogSource(
            options,
            sp.GetRequiredService<ICatalogSink>(),
            sp.GetService<ICatalogCache>(),
            // Like the sink, the host always provides it: policies/resync.js with the host's C# default
            // behind it, so the rule is written once, there.
            sp.GetRequiredService<IResyncPolicy>(),
            sp.GetRequiredService<ILogger<KubernetesCatalogSource>>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            context.Meter,
            sp.GetRequiredService<NodeAnnotationPublisher>(),
            // Registered by other plugins (gateway.istio: Gateways, VirtualServices, TLS Secrets); read once, at start.
            sp.GetServices<CatalogResourceType>()));
    }
}
