namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary><c>StopMessage.Type</c>.</summary>
internal enum StopMessageType
{
    Connect = 0,
    Status = 1,
}
