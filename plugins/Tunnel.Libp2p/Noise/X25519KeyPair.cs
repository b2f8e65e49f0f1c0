using NSec.Cryptography;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Noise;

/// <summary>An X25519 key pair for Noise (static or ephemeral), via NSec since .NET has no X25519 here.</summary>
internal sealed class X25519KeyPair : IDisposable
{
    private readonly Key _key;

    private X25519KeyPair(Key key)
    {
        _key = key;
        PublicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }

    public byte[] PublicKey { get; }

    public static X25519KeyPair Generate() =>
        new(Key.Create(KeyAgreementAlgorithm.X25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.None }));

    /// <summary>DH(self, remote) into <paramref name="output"/>; throws <see cref="NoiseException"/> for a low-order point.</summary>
    public void Agree(ReadOnlySpan<byte> remotePublic, Span<byte> output)
    {
        if (!NSec.Cryptography.PublicKey.TryImport(KeyAgreementAlgorithm.X25519, remotePublic, KeyBlobFormat.RawPublicKey, out var remote) || remote is null)
            throw new NoiseException("noise: remote X25519 key is invalid");
        using var secret = KeyAgreementAlgorithm.X25519.Agree(_key, remote, new SharedSecretCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport })
            ?? throw new NoiseException("noise: X25519 agreement failed (low-order remote key)");
        var raw = secret.Export(SharedSecretBlobFormat.RawSharedSecret);
        raw.CopyTo(output);
        Array.Clear(raw);
    }

    public void Dispose() => _key.Dispose();
}
