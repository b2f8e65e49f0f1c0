namespace PluginMesh.Plugins.Dns.Mdns.Wire;

/// <summary>Resource record types and classes the plugin reads or writes (RFC 1035, 3596, 2782, 6891).</summary>
internal static class DnsType
{
    public const ushort A = 1;
    public const ushort Ns = 2;
    public const ushort Soa = 6;
    public const ushort Ptr = 12;
    public const ushort Aaaa = 28;
    public const ushort Srv = 33;
    public const ushort Opt = 41;
    public const ushort Any = 255;

    public const ushort ClassIn = 1;
    public const ushort ClassAny = 255;
}
