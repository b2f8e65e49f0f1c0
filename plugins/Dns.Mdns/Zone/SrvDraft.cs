namespace PluginMesh.Plugins.Dns.Mdns.Zone;

/// <summary>One SRV record while an index is being built (priority is always 0).</summary>
/// <param name="Weight">Relative weight among equal-priority targets.</param>
/// <param name="Port">Target port.</param>
/// <param name="Target">Target host name.</param>
internal sealed record SrvDraft(ushort Weight, ushort Port, string Target);
