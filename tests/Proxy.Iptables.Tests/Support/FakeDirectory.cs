using PluginMesh.Abstractions.Directory;
using PluginMesh.P2p;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

/// <summary>The node directory as the proxy sees it: records by node name, <see cref="Changed"/> raised on <see cref="Accept"/>.</summary>
public sealed class FakeDirectory : INodeDirectory
{
    private readonly Dictionary<string, NodeRecord> _records = new(StringComparer.Ordinal);

    public IReadOnlyList<NodeRecord> Records { get { lock (_records) return [.. _records.Values]; } }

    public IReadOnlyList<NodeNameConflict> Conflicts => [];

    public event Action<NodeRecord>? Changed;

    public NodeRecord? Resolve(string nodeName) { lock (_records) return _records.GetValueOrDefault(nodeName); }

    public NodeRecord? ResolvePeer(PeerId peerId) { lock (_records) return _records.Values.FirstOrDefault(r => r.PeerId == peerId); }

    /// <summary>Stores a record of <paramref name="node"/> with these addresses and raises <see cref="Changed"/>.</summary>
    public void Accept(string node, params string[] addresses)
    {
        var record = new NodeRecord(node, FakeTunnelNetwork.PeerOf(node), [.. addresses.Select(Multiaddr.Parse).Where(a => !a.IsRelayed)],
            [.. addresses.Select(Multiaddr.Parse).Where(a => a.IsRelayed)], [], 1, DateTimeOffset.UtcNow.AddMinutes(5), new Dictionary<string, string>());
        lock (_records) _records[node] = record;
        Changed?.Invoke(record);
    }
}
