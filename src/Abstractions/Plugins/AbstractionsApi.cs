namespace PluginMesh.Abstractions.Plugins;

/// <summary>Version of the plugin contract. The host loads plugins whose <see cref="PluginDescriptor.ApiVersion"/> equals it.</summary>
public static class AbstractionsApi
{
    /// <summary>
    /// Bumped on any breaking change to an interface or record in this assembly (2: PeerIds, multiaddrs
    /// and keys are typed, from PluginMesh.P2p; 3: plugin commands get <see cref="IPluginCommandHost"/>, the
    /// standalone relay and discovery providers are gone, plugins contribute admin routes, and opening a
    /// tunnel stream or dialing a transport answers a result value instead of throwing for expected failures).
    /// </summary>
    public const int Version = 3;
}
