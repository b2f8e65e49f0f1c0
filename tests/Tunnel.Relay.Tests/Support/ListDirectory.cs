using PluginMesh.Abstractions.Directory;
using PluginMesh.P2p;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

/// <summary>
/// A node directory holding the records a test gives it, answering like the contract says: by name or
/// PeerId even after expiry (offline routing), <see cref="Records"/> unexpired only.
/// </summary>
internal sealed class ListDirectory(TimeProvider time, params NodeRecord[] records) : INodeDirectory
{
    public NodeRecord? Resolve(string nodeName) => records.FirstOrDefault(r => r.NodeName == nodeName);

    public NodeRecord? ResolvePeer(PeerId peerId) => records.FirstOrDefault(r => r.PeerId == peerId);

    public IReadOnlyList<NodeRecord> Records => [.. records.Where(r => r.Expires > time.GetUtcNow())];

    public IReadOnlyList<NodeNameConflict> Conflicts => [];

    public event Action<NodeRecord>? Changed
    {
        add { }
        remove { }
    }

    public static NodeRecord Record(string node, PeerId peer, DateTimeOffset expires, RecordSource source = RecordSource.Gossip) =>
        new(node, peer, [], [], [], 1, expires, new Dictionary<string, string>()) { Source = source };
}
