using System.Runtime.CompilerServices;

namespace PluginMesh.Plugins.Dns.Mdns.Wire;

/// <summary>
/// Inline storage for one uncompressed wire-format name (at most 255 bytes, RFC 1035 §3.1), so a
/// parsed question lives on the stack and the hot path allocates nothing.
/// </summary>
[InlineArray(DnsLimits.MaxNameLength)]
internal struct NameBuffer
{
    private byte _element0;
}
