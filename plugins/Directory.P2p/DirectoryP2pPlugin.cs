using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Cache;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Discovery;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Directory.P2p.Api;
using PluginMesh.Plugins.Directory.P2p.Liveness;

namespace PluginMesh.Plugins.Directory.P2p;

/// <summary>
/// Entry type of <c>directory.p2p</c>: node name → agent, from signed, versioned records spread
/// peer to peer over <c>/pluginmesh/directory/2.0.0</c> (range reconciliation) and kept in the cache;
/// while the API is away, silent nodes are retired locally (<see cref="INodeLiveness"/>).
/// </summary>
public sealed class DirectoryP2pPlugin() : PluginMeshPlugin<DirectoryOptions>(
    PluginId,
    "Peer-to-peer node directory: signed node records, push + anti-entropy sync, cached for offline use",
    provides: [Capabilities.Directory],
    uses: [Capabilities.Cache, Capabilities.Tunnel, Capabilities.Relay, Capabilities.Discovery])
{
    /// <summary>The plugin id and configuration section name.</summary>
    public const string PluginId = "directory.p2p";

    /// <inheritdoc />
    protected override DirectoryOptions ReadOptions(IConfiguration section, string? dataDirectory, Action<string, string> error) =>
        DirectoryOptions.Read(section, error);

    /// <inheritdoc />
    protected override void AddServices(IServiceCollection services, PluginContext context, DirectoryOptions options)
    {

        // Tunnel pieces are optional (GetService): without them the directory serves the cache.
        services.AddSingleton(sp => new RecordStore(
            sp.GetService<IStateCache>(), Time(sp), Logger(sp), context.Meter, options.ToStoreOptions()));
        services.AddSingleton<INodeDirectory>(sp => sp.GetRequiredService<RecordStore>());
        services.AddSingleton(sp => new SyncTracker(Time(sp)));
        // Catalog sources are resolved when first asked (at start), not here: they belong to other plugins.
        services.AddSingleton(sp => new ApiView(sp.GetRequiredService<RecordStore>(), sp.GetService<IServiceCatalog>(),
            CatalogSources(sp), Time(sp)));
        services.AddSingleton(sp => new NodeLiveness(sp.GetRequiredService<RecordStore>(), sp.GetRequiredService<ApiView>(),
            sp.GetService<INodeRetirePolicy>(), sp.GetService<IPeerNetwork>(), sp.GetService<IMeshTunnel>(), Discoveries(sp),
            Time(sp), Logger(sp), context.Meter, options.ExchangeTimeout));
        services.AddSingleton<INodeLiveness>(sp => sp.GetRequiredService<NodeLiveness>());
        services.AddSingleton(sp => new DirectorySyncService(
            sp.GetRequiredService<RecordStore>(), options, context.Node.NodeName,
            sp.GetService<ILocalPeer>(), sp.GetService<IMeshTunnel>(), sp.GetService<IPeerNetwork>(),
            sp.GetRequiredService<SyncTracker>(), Time(sp), Logger(sp), sp.GetRequiredService<ApiView>(), sp.GetRequiredService<NodeLiveness>()));
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<DirectorySyncService>());
        services.AddSingleton<IStatusContributor>(sp => new DirectoryStatusContributor(
            sp.GetRequiredService<RecordStore>(), sp.GetRequiredService<SyncTracker>(), Time(sp), sp.GetRequiredService<ApiView>(), sp.GetRequiredService<NodeLiveness>()));
    }

    private static Func<IEnumerable<ICatalogSource>> CatalogSources(IServiceProvider sp)
    {
        IReadOnlyList<ICatalogSource>? sources = null;
        return () => sources ??= [.. sp.GetService<IEnumerable<ICatalogSource>>() ?? []];
    }

    /// <summary>mDNS and other discoveries, resolved at start like the catalog sources.</summary>
    private static Func<IEnumerable<IPeerDiscovery>> Discoveries(IServiceProvider sp) => () => sp.GetService<IEnumerable<IPeerDiscovery>>() ?? [];

    private static TimeProvider Time(IServiceProvider sp) => sp.GetService<TimeProvider>() ?? TimeProvider.System;

    private static ILogger Logger(IServiceProvider sp) =>
        (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("PluginMesh.Directory.P2p");
}
