using Microsoft.Extensions.Logging;
using PluginMesh.P2p;

namespace PluginMesh.Abstractions.Discovery;

/// <summary>What a standalone discovery advertises about the local peer.</summary>
/// <param name="PeerId">Local PeerId.</param>
/// <param name="Addresses">Multiaddrs ending in <c>/p2p/&lt;PeerId&gt;</c>.</param>
public sealed record LocalPeerAdvertisement(PeerId PeerId, IReadOnlyList<Multiaddr> Addresses);

/// <summary>A discovery that runs outside the agent's lifecycle (for diagnostic commands).</summary>
public interface IStandaloneDiscovery : IPeerDiscovery, IAsyncDisposable
{
    /// <summary>Starts advertising and querying.</summary>
    Task StartAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Optionally implemented by a plugin's entry type whose discovery mechanism can run on its own,
/// so a diagnostic command of another plugin (e.g. <c>pluginmesh p2p listen --mdns</c>) can use it
/// without either plugin referencing the other. The host passes every such provider in
/// <see cref="Plugins.PluginCommandContext.DiscoveryProviders"/>.
/// </summary>
public interface IStandaloneDiscoveryProvider
{
    /// <summary>Mechanism name, e.g. <c>mdns</c>.</summary>
    string DiscoveryName { get; }

    /// <summary>
    /// Creates a discovery advertising <paramref name="local"/>. <paramref name="options"/> are
    /// mechanism-specific settings by name (e.g. <c>interval</c> in milliseconds); unknown names are
    /// an <see cref="ArgumentException"/>.
    /// </summary>
    IStandaloneDiscovery Create(LocalPeerAdvertisement local, IReadOnlyDictionary<string, string> options, ILoggerFactory loggers);
}
