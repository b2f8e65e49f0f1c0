using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Discovery;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Abstractions.Tunnel;

namespace PluginMesh.Plugins.Tunnel.Relay.Plugin;

/// <summary>What the relay service needs from the node; optional parts are null when no plugin provides them.</summary>
/// <param name="Catalog">Where this node's <c>pluginmesh.io/relay</c> label is read (its Node, by <paramref name="NodeName"/>).</param>
/// <param name="NodeName">This node's name.</param>
/// <param name="Election">The <c>electRelay</c> policy; without one the hop service is offered while AutoNAT says public.</param>
internal sealed record RelayDependencies(
    IMeshTunnel Tunnel,
    ILocalPeer? LocalPeer,
    IPeerNetwork? Network,
    INodeDirectory? Directory,
    IReadOnlyList<IPeerDiscovery> Discoveries,
    IRelaySelectionPolicy? Policy,
    IServiceCatalog? Catalog = null,
    string NodeName = "",
    IRelayElectionPolicy? Election = null);
