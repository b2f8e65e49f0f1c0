using PluginMesh.Abstractions.Directory;
using PluginMesh.Plugins.Directory.P2p.Records;

namespace PluginMesh.Plugins.Directory.P2p.Store;

/// <summary>A record the store holds, with where and when it was accepted. Immutable.</summary>
/// <param name="Signed">The record as signed.</param>
/// <param name="Source"><c>local</c>, <c>cache</c> or <c>peer:&lt;PeerId&gt;</c>.</param>
/// <param name="ReceivedAt">When it was accepted here (its last refresh).</param>
/// <param name="EffectiveExpires">Its expiry as this store holds it: the signed one, capped at twice the TTL past arrival.</param>
internal sealed record StoredRecord(SignedNodeRecord Signed, string Source, DateTimeOffset ReceivedAt, DateTimeOffset EffectiveExpires)
{
    /// <summary>Where range reconciliation orders it (SHA-256 of the PeerId's multihash).</summary>
    public byte[] SyncKey { get; } = Sync.SyncKeys.Of(Signed.Record.PeerId);

    private byte[]? _itemHash;

    /// <summary>What range fingerprints add up for this record (computed once; a benign race computes the same bytes).</summary>
    public byte[] ItemHash => _itemHash ??= Sync.SyncKeys.ItemHash(SyncKey, Signed.Record.Sequence);

    public bool Capped => EffectiveExpires < Signed.Record.Expires;

    public bool IsExpired(DateTimeOffset now) => EffectiveExpires <= now;

    /// <summary>The record as served: its expiry is the effective one.</summary>
    public NodeRecord Served => Capped ? Signed.Record with { Expires = EffectiveExpires } : Signed.Record;
}
