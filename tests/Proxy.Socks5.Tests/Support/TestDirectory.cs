using System.Collections.Concurrent;
using PluginMesh.Abstractions.Directory;
using PluginMesh.P2p;

namespace PluginMesh.Plugins.Proxy.Socks5.Tests.Support;

/// <summary>The node directory the agents share in a test: node name → PeerId and addresses, as the directory plugin would resolve them.</summary>
internal sealed class TestDirectory : INodeDirectory
{
    private readonly ConcurrentDictionary<string, NodeRecord> _records = new(StringComparer.Ordinal);

    public IReadOnlyList<NodeRecord> Records => [.. _records.Values];

    public IReadOnlyList<NodeNameConflict> Conflicts => [];

    public event Action<NodeRecord>? Changed;

    public NodeRecord? Resolve(string nodeName) => _records.GetValueOrDefault(nodeName);

    public NodeRecord? ResolvePeer(PeerId peerId) => _records.Values.FirstOrDefault(r => r.PeerId == peerId);

    public void Add(string nodeName, PeerId peerId, IReadOnlyList<Multiaddr> addresses)
    {
        var record = new NodeRecord(nodeName, peerId, addresses, [], [], 1, DateTimeOffset.UtcNow.AddHours(1), new Dictionary<string, string>());
        _records[nodeName] = record;
        Changed?.Invoke(record);
    }
}
