using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
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
public sealed class TunnelRelayPlugin : IPluginMeshPlugin
{
    /// <summary>The plugin id and configuration section name.</summary>
    public const string PluginId = "tunnel.relay";

    /// <inheritdoc />
    public PluginDescriptor Descriptor { get; } = new(
        PluginId,
        typeof(TunnelRelayPlugin).Assembly.GetName().Version ?? new Version(0, 0),
        AbstractionsApi.Version,
        Provides: [Capabilities.Relay, Capabilities.Transport],
        Requires: [Capabilities.Tunnel],
        Uses: [Capabilities.Directory, Capabilities.Discovery],
        "Circuit Relay v2: hop service with member/outsider limits, relay client transport, autorelay");

    /// <inheritdoc />
    public void Validate(PluginValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        RelayOptions.Read(context.Section, context.Error);
    }

    /// <inheritdoc />
    public void ConfigureServices(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(context);
        var problems = new List<ConfigProblem>();
        var options = RelayOptions.Read(context.Configuration, (key, message) => problems.Add(new ConfigProblem(ConfigPath.Join("plugins." + PluginId, key), message)));
        if (problems.Count > 0) throw new ConfigValidationException(problems);

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
