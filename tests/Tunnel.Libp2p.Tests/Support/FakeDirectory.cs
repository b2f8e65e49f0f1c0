using PluginMesh.Abstractions.Directory;
using PluginMesh.P2p;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

/// <summary>A node directory holding fixed records (the real one is the directory plugin's).</summary>
internal sealed class FakeDirectory(params NodeRecord[] records) : INodeDirectory
{
    public IReadOnlyList<NodeRecord> Records => records;

    public IReadOnlyList<NodeNameConflict> Conflicts => [];

    public event Action<NodeRecord>? Changed { add { } remove { } }

    public NodeRecord? Resolve(string nodeName) => records.FirstOrDefault(r => r.NodeName == nodeName);

    public NodeRecord? ResolvePeer(PeerId peerId) => records.FirstOrDefault(r => r.PeerId == peerId);

    public static NodeRecord Record(string name, PeerId peerId, IReadOnlyList<string> direct, IReadOnlyList<string> relay) =>
        new(name, peerId, [.. direct.Select(Multiaddr.Parse)], [.. relay.Select(Multiaddr.Parse)], [], 1, DateTimeOffset.UtcNow.AddHours(1), new Dictionary<string, string>());
}
