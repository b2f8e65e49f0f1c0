namespace PluginMesh.Plugins.Tunnel.Libp2p.Forwarding;

/// <summary>The answer to a forwarding request (<c>/pluginmesh/tunnel/1.0.0</c>).</summary>
public enum ForwardStatus
{
    Ok = 0,
    /// <summary>The target refused the connection.</summary>
    Refused = 1,
    /// <summary>No route to the target (host or network unreachable).</summary>
    Unreachable = 2,
    /// <summary>Connecting to the target timed out.</summary>
    Timeout = 3,
    /// <summary>This agent does not forward to that target.</summary>
    NotAllowed = 4,
    /// <summary>The request was malformed.</summary>
    BadRequest = 5,
}
