namespace PluginMesh.Plugins.Directory.P2p.Store;

/// <summary>
/// A record as kept in the state cache (collection <c>directory</c>, key = node name). The signed wire
/// bytes are stored, not the fields, so a record read back is verified again exactly like one received.
/// </summary>
/// <param name="Record">Base64 of the record's wire form.</param>
/// <param name="Source">Where it came from (<c>local</c>, <c>peer:&lt;PeerId&gt;</c>).</param>
/// <param name="ReceivedAt">When it was accepted.</param>
public sealed record CachedDirectoryRecord(string Record, string Source, DateTimeOffset ReceivedAt);
