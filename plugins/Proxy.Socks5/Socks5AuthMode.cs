namespace PluginMesh.Plugins.Proxy.Socks5;

/// <summary>Whether SOCKS clients must authenticate with a username and password (RFC 1929), key <c>auth</c>.</summary>
public enum Socks5AuthMode
{
    /// <summary>
    /// Required when a <c>credentialsFile</c> is given or any listen address is beyond loopback and the
    /// agent's own 169.254.96.16 (where only this host's users and pods can reach it).
    /// </summary>
    Auto,
    /// <summary>Always required.</summary>
    On,
    /// <summary>Never asked: whoever reaches the listener may use it.</summary>
    Off,
}
