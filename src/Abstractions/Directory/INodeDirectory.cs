using PluginMesh.P2p;

namespace PluginMesh.Abstractions.Directory;

/// <summary>
/// One node's signed directory entry: where to reach the agent that serves a node name.
/// </summary>
/// <param name="NodeName">Kubernetes node name.</param>
/// <param name="PeerId">The agent's PeerId (the record is signed with this identity).</param>
/// <param name="DirectAddresses">Dialable multiaddrs.</param>
/// <param name="RelayAddresses"><c>/p2p-circuit</c> multiaddrs through the relays it holds reservations on.</param>
/// <param name="Capabilities">What the agent offers, e.g. <c>relay</c>, <c>dns</c>.</param>
/// <param name="Sequence">Strictly increasing per PeerId; a lower or equal one is stale.</param>
/// <param name="Expires">After this the record is not used for new paths.</param>
/// <param name="Labels">Free labels (zone, relay preference) for policies.</param>
public sealed record NodeRecord(
    string NodeName,
    PeerId PeerId,
    IReadOnlyList<Multiaddr> DirectAddresses,
    IReadOnlyList<Multiaddr> RelayAddresses,
    IReadOnlyList<string> Capabilities,
    long Sequence,
    DateTimeOffset Expires,
    IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>Where the binding of <see cref="NodeName"/> to <see cref="PeerId"/> comes from (strongest first: API, cached API, gossip).</summary>
    public RecordSource Source { get; init; } = RecordSource.Gossip;

    /// <summary>Facts the agent publishes about the services it offers (e.g. a relay's load), by capability; empty when none.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Offers { get; init; } = EmptyOffers;

    private static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> EmptyOffers = new Dictionary<string, IReadOnlyDictionary<string, double>>();
}

/// <summary>Where a node name's binding to a PeerId was learned. A weaker source never overrides a stronger one for the same name.</summary>
public enum RecordSource
{
    /// <summary>The Kubernetes API (the Node's <c>pluginmesh.io/peer-id</c> annotation), now.</summary>
    Api,
    /// <summary>What the API said last, kept in the cache while it is unreachable.</summary>
    CachedApi,
    /// <summary>A self-signed record spread peer to peer (first claim wins among these).</summary>
    Gossip,
}

/// <summary>Two different peers claim one node name.</summary>
/// <param name="NodeName">The contested name.</param>
/// <param name="PeerIds">Every PeerId seen claiming it.</param>
/// <param name="Chosen">The PeerId the directory resolves to (the first valid claim seen, until it expires).</param>
public sealed record NodeNameConflict(string NodeName, IReadOnlyList<PeerId> PeerIds, PeerId Chosen);

/// <summary>
/// Node name → agent, without a central server: signed, versioned records spread peer to peer
/// and kept in the cache. Provided by a directory plugin; the tunnel resolves node names with it.
/// </summary>
/// <remarks>
/// Thread-safe; reads never block on the network. <see cref="Changed"/> is raised after a record
/// was accepted (verified signature, higher sequence); handlers must be quick and must not throw.
/// </remarks>
public interface INodeDirectory
{
    /// <summary>
    /// The current record for <paramref name="nodeName"/>, or null when unknown. For offline autonomy
    /// an implementation may keep answering with the last known record after it expired when nothing
    /// fresher claims the name (the handshake still verifies the PeerId, so a stale record can only
    /// cost a failed dial); <see cref="Records"/> lists unexpired records only.
    /// </summary>
    NodeRecord? Resolve(string nodeName);

    /// <summary>The record whose PeerId is <paramref name="peerId"/>, or null (same expiry rule as <see cref="Resolve"/>).</summary>
    NodeRecord? ResolvePeer(PeerId peerId);

    /// <summary>Every known, unexpired record.</summary>
    IReadOnlyList<NodeRecord> Records { get; }

    /// <summary>Node names claimed by more than one peer.</summary>
    IReadOnlyList<NodeNameConflict> Conflicts { get; }

    /// <summary>Raised after a record was accepted.</summary>
    event Action<NodeRecord>? Changed;
}

/// <summary>A node this agent stopped routing to on its own judgement, while the API that could say otherwise was away.</summary>
/// <param name="NodeName">The node.</param>
/// <param name="PeerId">Its agent, when known.</param>
/// <param name="LastHeard">When its agent was last heard (record refresh, live connection, mDNS).</param>
/// <param name="RetiredAt">When it was retired.</param>
/// <param name="Reason">Why, for status (e.g. <c>silent 312 s while the API is unreachable</c>).</param>
public sealed record RetiredNode(string NodeName, PeerId? PeerId, DateTimeOffset LastHeard, DateTimeOffset RetiredAt, string Reason);

/// <summary>
/// Which nodes this agent has retired locally (the tolerance window): while the API is unreachable, a
/// node whose agent stays silent past the window has its endpoints taken out of load balancing here
/// and its record stops resolving; it comes back the moment it is heard again, and the API's view
/// replaces these guesses when the API returns. Provided by the directory plugin; the proxy consults it.
/// </summary>
/// <remarks>Thread-safe; reads never block. <see cref="Changed"/> follows the same rules as <see cref="INodeDirectory.Changed"/>.</remarks>
public interface INodeLiveness
{
    /// <summary>True while <paramref name="nodeName"/> is retired.</summary>
    bool IsRetired(string nodeName);

    /// <summary>Every retired node, for status.</summary>
    IReadOnlyList<RetiredNode> Retired { get; }

    /// <summary>Raised after a node was retired or came back.</summary>
    event Action? Changed;
}
