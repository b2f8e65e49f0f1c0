namespace PluginMesh.Plugins.Proxy.Iptables.Tunnel;

/// <summary>The one-byte answer of the serving agent (wire values are fixed).</summary>
public enum TunnelStatus : byte
{
    /// <summary>Connected; raw bytes (TCP) or framed datagrams (UDP) follow.</summary>
    Ok = 0,
    /// <summary>The endpoint refused the connection.</summary>
    Refused = 1,
    /// <summary>The endpoint did not answer in time.</summary>
    Timeout = 2,
    /// <summary>No route to the endpoint.</summary>
    Unreachable = 3,
    /// <summary>The target is not an endpoint in the serving agent's catalog.</summary>
    NotAllowed = 4,
    /// <summary>The header could not be parsed.</summary>
    BadHeader = 5,
}
