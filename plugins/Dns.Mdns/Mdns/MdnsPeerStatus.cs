namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>One discovered peer in <c>/status</c>.</summary>
/// <param name="PeerId">Its PeerId.</param>
/// <param name="Addrs">Its announced multiaddrs.</param>
/// <param name="LastSeen">When its last announcement arrived.</param>
/// <param name="ExpiresIn">Seconds until it expires without another announcement.</param>
public sealed record MdnsPeerStatus(string PeerId, IReadOnlyList<string> Addrs, DateTimeOffset LastSeen, double ExpiresIn);
