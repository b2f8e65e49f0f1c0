using System.Collections.Concurrent;

namespace PluginMesh.Plugins.Directory.P2p.Sync;

/// <summary>Last sync per peer. Thread-safe.</summary>
internal sealed class SyncTracker(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, PeerSyncState> _peers = new(StringComparer.Ordinal);

    public void Record(string peerId, string kind, ExchangeCounts counts, string? error = null) =>
        _peers[peerId] = new PeerSyncState(time.GetUtcNow(), kind, counts.Sent, counts.Accepted, counts.Rejected, error, counts.Rounds);

    public IReadOnlyDictionary<string, PeerSyncState> Snapshot() =>
        new SortedDictionary<string, PeerSyncState>(_peers, StringComparer.Ordinal);

    public PeerSyncState? Get(string peerId) => _peers.TryGetValue(peerId, out var s) ? s : null;
}
