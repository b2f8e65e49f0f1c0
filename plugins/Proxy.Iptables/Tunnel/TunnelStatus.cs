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
    /// <summary>Refused by the serving agent's authorization; the reason text starts with its code (<c>not_member</c>, <c>control_plane</c>, <c>not_in_catalog</c>, <c>not_on_this_node</c>).</summary>
    NotAllowed = 4,
    /// <summary>The header could not be parsed.</summary>
    BadHeader = 5,
}
