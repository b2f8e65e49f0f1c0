using PluginMesh.Abstractions.Directory;
using PluginMesh.Plugins.Directory.P2p.Sync;

namespace PluginMesh.Plugins.Directory.P2p;

/// <summary>The <c>directory</c> section of <c>/status</c>.</summary>
/// <param name="Records">Every held record.</param>
/// <param name="Bindings">Node names bound to PeerIds by the Kubernetes API (now or cached).</param>
/// <param name="Api">Whether the API is reachable, as the directory sees it.</param>
/// <param name="Conflicts">Node names claimed by several PeerIds (gossip only: a bound name has none).</param>
/// <param name="Rejected">Rejected records by reason.</param>
/// <param name="LastSync">Last conversation per peer.</param>
/// <param name="Retired">Nodes retired locally by the tolerance window, with when they were last heard and why.</param>
public sealed record DirectoryStatus(
    IReadOnlyList<RecordStatus> Records,
    IReadOnlyList<BindingStatus> Bindings,
    ApiStatus Api,
    IReadOnlyList<NodeNameConflict> Conflicts,
    IReadOnlyDictionary<string, long> Rejected,
    IReadOnlyDictionary<string, PeerSyncState> LastSync,
    IReadOnlyList<RetiredNode> Retired);

/// <summary>One binding in <c>/status</c>.</summary>
/// <param name="Node">Node name.</param>
/// <param name="PeerId">The agent the API names.</param>
/// <param name="Source"><c>api</c> or <c>cached-api</c>.</param>
/// <param name="Addresses">Addresses the agent published on its Node.</param>
/// <param name="OffersRelay">Whether it published a relay offer.</param>
/// <param name="ConfirmedAt">When the API last said so.</param>
public sealed record BindingStatus(string Node, string PeerId, string Source, IReadOnlyList<string> Addresses, bool OffersRelay, DateTimeOffset ConfirmedAt);

/// <summary>The API's reachability in <c>/status</c>.</summary>
/// <param name="Present">A <c>kubernetes</c> catalog source exists.</param>
/// <param name="Connected">It is in contact with the API server now.</param>
/// <param name="OfflineSince">Since when it has not been (null while connected).</param>
public sealed record ApiStatus(bool Present, bool Connected, DateTimeOffset? OfflineSince);
