namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>The <c>mdns</c> part of the plugin's status.</summary>
/// <param name="Enabled">Whether discovery runs.</param>
/// <param name="ServiceName">The service queried and announced.</param>
/// <param name="PeerName">Our instance label (random per start).</param>
/// <param name="Interfaces">Interfaces joined, <c>name (address)</c>.</param>
/// <param name="Advertised">Addresses we announce (empty: nothing to advertise, query only).</param>
/// <param name="Peers">Live peers.</param>
/// <param name="Packets">Packets by direction and result, e.g. <c>in.announcement</c>, <c>out.query</c>.</param>
/// <param name="Dropped">Dropped incoming packets by reason.</param>
public sealed record MdnsStatus(
    bool Enabled,
    string ServiceName,
    string PeerName,
    IReadOnlyList<string> Interfaces,
    IReadOnlyList<string> Advertised,
    IReadOnlyList<MdnsPeerStatus> Peers,
    IReadOnlyDictionary<string, long> Packets,
    IReadOnlyDictionary<string, long> Dropped);
