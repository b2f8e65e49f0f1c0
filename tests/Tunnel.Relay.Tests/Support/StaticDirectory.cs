using PluginMesh.Abstractions.Directory;
using PluginMesh.P2p;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

/// <summary>Directory records as plain data: what a directory plugin would hold, for the relay's readers of it.</summary>
internal sealed class StaticDirectory(IReadOnlyList<NodeRecord> records) : INodeDirectory
{
    private IReadOnlyList<NodeRecord> _records = records;

    public IReadOnlyList<NodeRecord> Records => Volatile.Read(ref _records);

    public IReadOnlyList<NodeNameConflict> Conflicts => [];

    public event Action<NodeRecord>? Changed;

    public NodeRecord? Resolve(string nodeName) => Records.FirstOrDefault(r => r.NodeName == nodeName);

    public NodeRecord? ResolvePeer(PeerId peerId) => Records.FirstOrDefault(r => r.PeerId == peerId);

    /// <summary>Adds or replaces the record of <paramref name="record"/>'s PeerId and raises <see cref="Changed"/>.</summary>
    public void Put(NodeRecord record)
    {
        Volatile.Write(ref _records, [.. Records.Where(r => r.PeerId != record.PeerId), record]);
        Changed?.Invoke(record);
    }

    public void Remove(PeerId peerId) => Volatile.Write(ref _records, [.. Records.Where(r => r.PeerId != peerId)]);
}
