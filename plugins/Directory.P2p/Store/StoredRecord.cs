namespace PluginMesh.Plugins.Directory.P2p.Store;

/// <summary>A record the store holds, with where and when it was accepted. Immutable.</summary>
internal sealed record StoredRecord(SignedNodeRecord Signed, string Source, DateTimeOffset ReceivedAt)
{
    public bool IsExpired(DateTimeOffset now) => Signed.Record.Expires <= now;
}
