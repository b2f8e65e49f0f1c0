namespace PluginMesh.Plugins.Directory.P2p.Sync;

/// <summary>The last directory conversation with one peer, for status.</summary>
/// <param name="At">When it ended.</param>
/// <param name="Kind"><c>exchange</c> (we initiated anti-entropy), <c>push</c> (we pushed), <c>served</c> (the peer opened the stream).</param>
/// <param name="Sent">Records we sent.</param>
/// <param name="Accepted">Records of theirs we accepted.</param>
/// <param name="Rejected">Records of theirs we rejected.</param>
/// <param name="Error">Why it failed, or null.</param>
/// <param name="Reconcile">RECONCILE frames we sent (range sync; 1 when the peers already agreed; 0 for pushes and version 1).</param>
public sealed record PeerSyncState(DateTimeOffset At, string Kind, int Sent, int Accepted, int Rejected, string? Error, int Reconcile = 0);
