namespace PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

/// <summary>Yamux header flags.</summary>
[Flags]
public enum YamuxFlags : ushort
{
    None = 0,
    Syn = 1,
    Ack = 2,
    Fin = 4,
    Rst = 8,
}
