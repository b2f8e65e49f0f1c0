using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Discovery;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Abstractions.Status;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Relay.Client;

namespace PluginMesh.Plugins.Tunnel.Relay.Plugin;

/// <summary>
/// Entry type of <c>tunnel.relay</c>: Circuit Relay v2 hop service, the relay client as an
/// <see cref="ITransport"/> for <c>/p2p-circuit</c> addresses, and autorelay.
/// </summary>
public sealed class TunnelRelayPlugin() : PluginMeshPlugin<RelayOptions>(
    PluginId,
    "Circuit Relay v2: hop service with member/outsider limits, relay client transport, autorelay",
    provides: [Capabilities.Relay, Capabilities.Transport],
    requires: [Capabilities.Tunnel],
    uses: [Capabilities.Directory, Capabilities.Discovery])
{
    /// <summary>The plugin id and configuration section name.</summary>
    public const string PluginId = "tunnel.relay";

    /// <inheritdoc />
    protected override RelayOptions ReadOptions(IConfiguration section, string? dataDirectory, Action<string, string> error) =>
        RelayOptions.Read(section, error);

    /// <inheritdoc />
    protected override void AddServices(IServiceCollection services, PluginContext context, RelayOptions options)
    {
        // Object graphs only; handlers are registered and relays dialed when the hosted service starts.
        services.AddSingleton(new RelayMetrics(context.Meter));
        services.AddSingleton<ITransport>(sp => new CircuitTransport(sp.GetRequiredService<IMeshTunnel>()));
        services.AddSingleton(sp => new RelayService(
            options,
            new RelayDependencies(
                sp.GetRequiredService<IMeshTunnel>(),
                sp.GetService<ILocalPeer>(),
                sp.GetService<IPeerNetwork>(),
                sp.GetService<INodeDirectory>(),
                [.. sp.GetServices<IPeerDiscovery>()],
                sp.GetService<IRelaySelectionPolicy>(),
                sp.GetService<IServiceCatalog>(),
                context.Node.NodeName,
                sp.GetService<IRelayElectionPolicy>()),
            sp.GetRequiredService<RelayMetrics>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("PluginMesh.Plugins.Tunnel.Relay")));
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<RelayService>());
        services.AddSingleton<IStatusContributor>(sp => new RelayStatusContributor(sp.GetRequiredService<RelayService>(), options));
    }
}
