using NSec.Cryptography;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Identity;

/// <summary>Verifies signatures made by a remote libp2p identity key.</summary>
public static class SignatureVerifier
{
    /// <summary>
    /// True when <paramref name="signature"/> is valid for <paramref name="data"/> under the key in
    /// <paramref name="publicKeyProtobuf"/>. Only Ed25519 is accepted; other key types fail with a reason.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> publicKeyProtobuf, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, out string? reason)
    {
        KeyType type;
        byte[] raw;
        try
        {
            (type, raw) = PublicKeyCodec.Decode(publicKeyProtobuf);
        }
        catch (FormatException e)
        {
            reason = e.Message;
            return false;
        }
        if (type != KeyType.Ed25519)
        {
            reason = $"unsupported identity key type {type}";
            return false;
        }
        if (!PublicKey.TryImport(SignatureAlgorithm.Ed25519, raw, KeyBlobFormat.RawPublicKey, out var publicKey) || publicKey is null)
        {
            reason = "invalid Ed25519 public key";
            return false;
        }
        if (!SignatureAlgorithm.Ed25519.Verify(publicKey, data, signature))
        {
            reason = "bad signature";
            return false;
        }
        reason = null;
        return true;
    }
}
