namespace PluginMesh.Plugins.Tunnel.Libp2p.Noise;

/// <summary>Noise SymmetricState (chaining key, handshake hash, cipher) for SHA-256.</summary>
internal sealed class SymmetricState : IDisposable
{
    public const string ProtocolName = "Noise_XX_25519_ChaChaPoly_SHA256";
    private readonly byte[] _ck = new byte[32];
    private readonly byte[] _h = new byte[32];
    private readonly CipherState _cipher = new();

    public SymmetricState()
    {
        // The name is exactly 32 bytes, so h starts as the name itself (no hashing, no padding).
        var name = Encoding.ASCII.GetBytes(ProtocolName);
        name.CopyTo(_h, 0);
        name.CopyTo(_ck, 0);
        MixHash([]); // empty prologue
    }

    public ReadOnlySpan<byte> HandshakeHash => _h;

    public void MixHash(ReadOnlySpan<byte> data)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(_h);
        sha.AppendData(data);
        sha.GetHashAndReset(_h);
    }

    public void MixKey(ReadOnlySpan<byte> inputKeyMaterial)
    {
        Span<byte> k1 = stackalloc byte[32];
        Span<byte> k2 = stackalloc byte[32];
        Hkdf(_ck, inputKeyMaterial, k1, k2);
        k1.CopyTo(_ck);
        _cipher.InitializeKey(k2);
        k1.Clear();
        k2.Clear();
    }

    public int EncryptAndHash(ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        var n = _cipher.EncryptWithAd(_h, plaintext, destination);
        MixHash(destination[..n]);
        return n;
    }

    public int DecryptAndHash(ReadOnlySpan<byte> ciphertext, Span<byte> destination)
    {
        var n = _cipher.DecryptWithAd(_h, ciphertext, destination);
        MixHash(ciphertext);
        return n;
    }

    public int Overhead => _cipher.HasKey ? CipherState.TagLength : 0;

    /// <summary>Returns the two transport ciphers: initiator→responder first.</summary>
    public (CipherState First, CipherState Second) Split()
    {
        Span<byte> k1 = stackalloc byte[32];
        Span<byte> k2 = stackalloc byte[32];
        Hkdf(_ck, [], k1, k2);
        var c1 = new CipherState();
        var c2 = new CipherState();
        c1.InitializeKey(k1);
        c2.InitializeKey(k2);
        k1.Clear();
        k2.Clear();
        return (c1, c2);
    }

    /// <summary>Noise's HKDF with two outputs (HMAC-SHA256 extract then expand).</summary>
    internal static void Hkdf(ReadOnlySpan<byte> chainingKey, ReadOnlySpan<byte> ikm, Span<byte> output1, Span<byte> output2)
    {
        Span<byte> temp = stackalloc byte[32];
        HMACSHA256.HashData(chainingKey, ikm, temp);
        Span<byte> input = stackalloc byte[33];
        input[0] = 1;
        HMACSHA256.HashData(temp, input[..1], output1);
        output1.CopyTo(input);
        input[32] = 2;
        HMACSHA256.HashData(temp, input, output2);
        temp.Clear();
    }

    public void Dispose()
    {
        Array.Clear(_ck);
        _cipher.Dispose();
    }
}
