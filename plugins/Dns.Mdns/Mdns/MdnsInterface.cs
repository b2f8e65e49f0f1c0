namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>A network interface as mDNS sees it.</summary>
/// <param name="Name">Kernel name, e.g. <c>eth0</c>.</param>
/// <param name="Index">Kernel index (what IP_PKTINFO reports).</param>
/// <param name="IsUp">Operational state is up (or unknown but administratively up, as veths in namespaces report).</param>
/// <param name="SupportsMulticast">The MULTICAST flag is set.</param>
/// <param name="Address">First IPv4 address, or null.</param>
internal sealed record MdnsInterface(string Name, int Index, bool IsUp, bool SupportsMulticast, IPAddress? Address)
{
    public override string ToString() => $"{Name} ({Address})";
}
