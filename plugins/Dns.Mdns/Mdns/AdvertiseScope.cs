namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>Which of the local peer's addresses go into announcements.</summary>
public enum AdvertiseScope
{
    /// <summary>Only private, link-local and loopback IP addresses (what js-libp2p does): a LAN announcement need not leak public ones.</summary>
    Private,
    /// <summary>Every address the local peer has that fits a TXT string.</summary>
    All,
}
