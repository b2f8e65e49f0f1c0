using NSec.Cryptography;

namespace PluginMesh.Plugins.Directory.P2p.Records;

/// <summary>Checks what a record proves about itself: the key is Ed25519, the PeerId names that key, the signature holds.</summary>
internal static class RecordVerifier
{
    /// <summary>Null when the record is authentic; otherwise why not. Freshness (expiry, sequence) is the store's job.</summary>
    public static RejectReason? Verify(SignedNodeRecord signed)
    {
        ArgumentNullException.ThrowIfNull(signed);
        byte[] raw;
        try
        {
            raw = Ed25519PublicKey.ParseRaw(signed.PublicKey);
        }
        catch (FormatException)
        {
            return RejectReason.BadKey;
        }
        if (!string.Equals(Ed25519PublicKey.PeerIdOf(signed.PublicKey), signed.Record.PeerId, StringComparison.Ordinal))
            return RejectReason.PeerIdMismatch;
        if (!PublicKey.TryImport(SignatureAlgorithm.Ed25519, raw, KeyBlobFormat.RawPublicKey, out var key) || key is null)
            return RejectReason.BadKey;
        return SignatureAlgorithm.Ed25519.Verify(key, RecordCodec.SigningInput(signed.Body), signed.Signature)
            ? null
            : RejectReason.BadSignature;
    }
}
