namespace PluginMesh.Plugins.Tunnel.Relay.Plugin;

/// <summary>What the relay service needs from the node; optional parts are null when no plugin provides them.</summary>
internal sealed record RelayDependencies(
    IMeshTunnel Tunnel,
    ILocalPeer? LocalPeer,
    IPeerNetwork? Network,
    INodeDirectory? Directory,
    IReadOnlyList<IPeerDiscovery> Discoveries,
    IRelaySelectionPolicy? Policy);

