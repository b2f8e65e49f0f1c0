namespace PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

/// <summary>The code carried in a GoAway frame's length field.</summary>
public enum YamuxGoAwayCode : uint
{
    Normal = 0,
    ProtocolError = 1,
    InternalError = 2,
}
