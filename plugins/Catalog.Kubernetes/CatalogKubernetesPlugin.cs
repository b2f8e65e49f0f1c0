using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Cache;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Abstractions.Status;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Catalog.Kubernetes.Publishing;

namespace PluginMesh.Plugins.Catalog.Kubernetes;

/// <summary>
/// Entry type of <c>catalog.kubernetes</c>: Services, EndpointSlices (or Endpoints), Nodes and —
/// where Istio is installed — DestinationRules (load-balancer settings) listed and watched from the
/// Kubernetes API (KubeEdge's metaServer by default), kept in the cache so an agent restarted with
/// the cloud gone still serves them.
/// </summary>
public sealed class CatalogKubernetesPlugin : IPluginMeshPlugin
{
    /// <summary>The plugin id and configuration section name.</summary>
    public const string PluginId = "catalog.kubernetes";

    /// <inheritdoc />
    public PluginDescriptor Descriptor { get; } = new(
        PluginId,
        typeof(CatalogKubernetesPlugin).Assembly.GetName().Version ?? new Version(0, 0),
        AbstractionsApi.Version,
        Provides: [Capabilities.CatalogSource],
        Requires: [],
        Uses: [Capabilities.Cache],
        "Service catalog from the Kubernetes API (list + watch), cached for offline restarts");

    /// <inheritdoc />
    public void Validate(PluginValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        KubernetesCatalogOptions.Read(context.Section, context.Error);
    }

    /// <inheritdoc />
    public void ConfigureServices(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(context);

        var problems = new List<ConfigProblem>();
        var prefix = "plugins." + PluginId;
        var options = KubernetesCatalogOptions.Read(context.Configuration,
            (key, message) => problems.Add(new ConfigProblem(ConfigPath.Join(prefix, key), message)));
        if (problems.Count > 0) throw new ConfigValidationException(problems);

        // No connection here: the hosted services connect at start. The publisher is always
        // registered, so status says why it is off when it is.
        var node = context.Node.NodeName;
        services.AddSingleton(sp => new NodeAnnotationPublisher(
            options,
            node,
            // Read when present and followed through its events, so start order does not matter (not a Uses).
            sp.GetService<ILocalPeer>(),
            sp.GetRequiredService<ILogger<NodeAnnotationPublisher>>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            context.Meter));
        services.AddSingleton(sp => new KubernetesCatalogSource(
            options,
            sp.GetRequiredService<ICatalogSink>(),
            sp.GetService<ICatalogCache>(),
            // Like the sink, the host always provides it: policies/resync.js with the host's C# default
            // behind it, so the rule is written once, there.
            sp.GetRequiredService<IResyncPolicy>(),
            sp.GetRequiredService<ILogger<KubernetesCatalogSource>>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            context.Meter,
            sp.GetRequiredService<NodeAnnotationPublisher>()));
        services.AddSingleton<ICatalogSource>(sp => sp.GetRequiredService<KubernetesCatalogSource>());
        services.AddSingleton<IStatusContributor>(sp => sp.GetRequiredService<KubernetesCatalogSource>());
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<KubernetesCatalogSource>());
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<NodeAnnotationPublisher>());
    }
}
