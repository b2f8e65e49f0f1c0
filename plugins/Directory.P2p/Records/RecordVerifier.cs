using PluginMesh.P2p.Crypto;

namespace PluginMesh.Plugins.Directory.P2p.Records;

/// <summary>Checks what a record proves about itself: the key is Ed25519, the PeerId names that key, the signature holds.</summary>
internal static class RecordVerifier
{
    /// <summary>Null when the record is authentic; otherwise why not. Freshness (expiry, sequence) is the store's job.</summary>
    public static RejectReason? Verify(SignedNodeRecord signed)
    {
        ArgumentNullException.ThrowIfNull(signed);
        if (!PublicKey.TryFromProtobuf(signed.PublicKey, out var key, out _) || key!.Type != KeyType.Ed25519)
            return RejectReason.BadKey;
        // Only the canonical two-field protobuf: one key must name exactly one PeerId (its identity multihash).
        if (!KeyProtobuf.Encode(KeyType.Ed25519, key.Raw).AsSpan().SequenceEqual(signed.PublicKey))
            return RejectReason.BadKey;
        if (PeerId.FromPublicKey(key) != signed.Record.PeerId)
            return RejectReason.PeerIdMismatch;
        return key.Verify(RecordCodec.SigningInput(signed.Body), signed.Signature) ? null : RejectReason.BadSignature;
    }
}
