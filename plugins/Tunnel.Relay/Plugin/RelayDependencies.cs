using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Discovery;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Abstractions.Tunnel;

namespace PluginMesh.Plugins.Tunnel.Relay.Plugin;

/// <summary>What the relay service needs from the node; optional parts are null when no plugin provides them.</summary>
internal sealed record RelayDependencies(
    IMeshTunnel Tunnel,
    ILocalPeer? LocalPeer,
    IPeerNetwork? Network,
    INodeDirectory? Directory,
    IReadOnlyList<IPeerDiscovery> Discoveries,
    IRelaySelectionPolicy? Policy)
{
    /// <summary>The catalog, whose Nodes carry API bindings (node name → PeerId); null when none is registered.</summary>
    public IServiceCatalog? Catalog { get; init; }
}

