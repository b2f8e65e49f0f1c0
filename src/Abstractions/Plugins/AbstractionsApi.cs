namespace PluginMesh.Abstractions.Plugins;

/// <summary>Version of the plugin contract. The host loads plugins whose <see cref="PluginDescriptor.ApiVersion"/> equals it.</summary>
public static class AbstractionsApi
{
    /// <summary>
    /// Bumped on any breaking change to an interface or record in this assembly (2: PeerIds, multiaddrs
    /// and keys are typed, from PluginMesh.P2p; 3: plugin commands get <see cref="IPluginCommandHost"/> and
    /// the standalone relay and discovery providers are gone).
    /// </summary>
    public const int Version = 3;
}
