namespace PluginMesh.Plugins.Tunnel.Libp2p.AutoNat;

/// <summary>AutoNAT v1 <c>ResponseStatus</c> values.</summary>
public enum AutoNatStatus
{
    Ok = 0,
    DialError = 100,
    DialRefused = 101,
    BadRequest = 200,
    InternalError = 300,
}
