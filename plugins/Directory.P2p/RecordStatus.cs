namespace PluginMesh.Plugins.Directory.P2p;

/// <summary>One held record in <c>/status</c>.</summary>
/// <param name="Node">Node name.</param>
/// <param name="PeerId">Signer.</param>
/// <param name="Sequence">Record sequence.</param>
/// <param name="Expires">Expiry as held here (capped at twice the TTL past arrival).</param>
/// <param name="Stale">True past expiry (still served for <c>maxStaleSeconds</c> when nothing fresher exists and <c>serveExpired</c> is on).</param>
/// <param name="Chosen">True when the node name resolves to this record (false for a losing conflicting claim).</param>
/// <param name="DirectAddresses">Direct multiaddrs.</param>
/// <param name="RelayAddresses">Relay circuit multiaddrs.</param>
/// <param name="Capabilities">Announced capabilities.</param>
/// <param name="Source"><c>local</c>, <c>cache</c> or <c>peer:&lt;PeerId&gt;</c>.</param>
/// <param name="ReceivedAt">When it was accepted.</param>
/// <param name="Binding">How its name is bound: <c>api</c>, <c>cached-api</c>, or <c>gossip</c> (first claim).</param>
/// <param name="Offers">Offered services and their facts.</param>
public sealed record RecordStatus(
    string Node, string PeerId, long Sequence, DateTimeOffset Expires, bool Stale, bool Chosen,
    IReadOnlyList<string> DirectAddresses, IReadOnlyList<string> RelayAddresses, IReadOnlyList<string> Capabilities,
    string Source, DateTimeOffset ReceivedAt, string Binding, IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Offers);
