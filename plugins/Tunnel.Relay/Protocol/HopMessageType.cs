namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary><c>HopMessage.Type</c>.</summary>
internal enum HopMessageType
{
    Reserve = 0,
    Connect = 1,
    Status = 2,
}
