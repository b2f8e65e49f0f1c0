namespace PluginMesh.Plugins.Directory.P2p;

/// <summary>The <c>directory</c> section of <c>/status</c>.</summary>
/// <param name="Records">Every held record.</param>
/// <param name="Conflicts">Node names claimed by several PeerIds.</param>
/// <param name="Rejected">Rejected records by reason.</param>
/// <param name="LastSync">Last conversation per peer.</param>
public sealed record DirectoryStatus(
    IReadOnlyList<RecordStatus> Records,
    IReadOnlyList<NodeNameConflict> Conflicts,
    IReadOnlyDictionary<string, long> Rejected,
    IReadOnlyDictionary<string, PeerSyncState> LastSync);
