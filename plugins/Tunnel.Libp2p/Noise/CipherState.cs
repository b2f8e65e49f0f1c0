namespace PluginMesh.Plugins.Tunnel.Libp2p.Noise;

/// <summary>
/// Noise CipherState for ChaChaPoly: a key and a 64-bit counter nonce (4 zero bytes then the
/// counter little-endian). Not thread-safe; one per direction.
/// </summary>
internal sealed class CipherState : IDisposable
{
    public const int TagLength = 16;
    private ChaCha20Poly1305? _aead;
    private ulong _nonce;

    public bool HasKey => _aead is not null;

    public void InitializeKey(ReadOnlySpan<byte> key)
    {
        _aead?.Dispose();
        _aead = new ChaCha20Poly1305(key);
        _nonce = 0;
    }

    /// <summary>Encrypts into <paramref name="destination"/> (plaintext length + 16); without a key, copies.</summary>
    public int EncryptWithAd(ReadOnlySpan<byte> ad, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        if (_aead is null)
        {
            plaintext.CopyTo(destination);
            return plaintext.Length;
        }
        Span<byte> nonce = stackalloc byte[12];
        NextNonce(nonce);
        _aead.Encrypt(nonce, plaintext, destination[..plaintext.Length], destination.Slice(plaintext.Length, TagLength), ad);
        return plaintext.Length + TagLength;
    }

    /// <summary>Decrypts into <paramref name="destination"/>; throws <see cref="NoiseException"/> on a bad tag.</summary>
    public int DecryptWithAd(ReadOnlySpan<byte> ad, ReadOnlySpan<byte> ciphertext, Span<byte> destination)
    {
        if (_aead is null)
        {
            ciphertext.CopyTo(destination);
            return ciphertext.Length;
        }
        if (ciphertext.Length < TagLength) throw new NoiseException($"noise: message of {ciphertext.Length} bytes is shorter than its tag");
        var length = ciphertext.Length - TagLength;
        Span<byte> nonce = stackalloc byte[12];
        NextNonce(nonce);
        try
        {
            _aead.Decrypt(nonce, ciphertext[..length], ciphertext[length..], destination[..length], ad);
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new NoiseException("noise: message failed authentication (tampered, or wrong key)", e);
        }
        return length;
    }

    private void NextNonce(Span<byte> nonce)
    {
        // A counter of 2^64-1 is reserved by the spec; reaching it means the key must not be used again.
        if (_nonce == ulong.MaxValue) throw new NoiseException("noise: nonce exhausted");
        nonce[..4].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(nonce[4..], _nonce++);
    }

    public void Dispose() => _aead?.Dispose();
}
