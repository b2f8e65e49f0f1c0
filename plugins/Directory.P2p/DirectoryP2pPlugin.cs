using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Cache;
using PluginMesh.Abstractions.Tunnel;

namespace PluginMesh.Plugins.Directory.P2p;

/// <summary>
/// Entry type of <c>directory.p2p</c>: node name → agent, from signed, versioned records spread
/// peer to peer over <c>/pluginmesh/directory/1.0.0</c> and kept in the cache.
/// </summary>
public sealed class DirectoryP2pPlugin() : PluginMeshPlugin<DirectoryOptions>(
    PluginId,
    "Peer-to-peer node directory: signed node records, push + anti-entropy sync, cached for offline use",
    provides: [Capabilities.Directory],
    requires: [],
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
            sp.GetService<IStateCache>(), Time(sp), Logger(sp), context.Meter, options.ServeExpired));
        services.AddSingleton<INodeDirectory>(sp => sp.GetRequiredService<RecordStore>());
        services.AddSingleton(sp => new SyncTracker(Time(sp)));
        services.AddSingleton(sp => new DirectorySyncService(
            sp.GetRequiredService<RecordStore>(), options, context.Node.NodeName,
            sp.GetService<ILocalPeer>(), sp.GetService<IMeshTunnel>(), sp.GetService<IPeerNetwork>(),
            sp.GetRequiredService<SyncTracker>(), Time(sp), Logger(sp)));
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<DirectorySyncService>());
        services.AddSingleton<IStatusContributor>(sp => new DirectoryStatusContributor(
            sp.GetRequiredService<RecordStore>(), sp.GetRequiredService<SyncTracker>(), Time(sp)));
    }

    private static TimeProvider Time(IServiceProvider sp) => sp.GetService<TimeProvider>() ?? TimeProvider.System;

    private static ILogger Logger(IServiceProvider sp) =>
        (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("PluginMesh.Directory.P2p");
}
