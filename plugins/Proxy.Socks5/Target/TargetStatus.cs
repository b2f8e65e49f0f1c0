namespace PluginMesh.Plugins.Proxy.Socks5.Target;

/// <summary>The serving agent's one-byte answer on <c>/pluginmesh/socks-target/1.0.0</c> (wire values are fixed).</summary>
public enum TargetStatus : byte
{
    /// <summary>Connected; raw bytes follow both ways.</summary>
    Ok = 0,
    /// <summary>The port on the node refused the connection.</summary>
    Refused = 1,
    /// <summary>The port did not answer in time.</summary>
    Timeout = 2,
    /// <summary>No route to the address.</summary>
    Unreachable = 3,
    /// <summary>Refused by the serving agent's rules (not a member, port not on its allow-list, not one of its own addresses); the reason starts with the code.</summary>
    NotAllowed = 4,
    /// <summary>The request could not be parsed.</summary>
    BadRequest = 5,
}
