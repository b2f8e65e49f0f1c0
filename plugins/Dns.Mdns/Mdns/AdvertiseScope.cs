namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>Which of the local peer's addresses go into announcements.</summary>
public enum AdvertiseScope
{
    /// <summary>Only private IP addresses (RFC 1918, CGNAT, ULA): a LAN announcement need not leak public ones.</summary>
    Private,
    /// <summary>Every address the local peer has that fits a TXT string.</summary>
    /// <remarks>In both scopes loopback, link-local and unspecified addresses are never announced: a neighbour dialing them reaches itself or nothing.</remarks>
    All,
}
