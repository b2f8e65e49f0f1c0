namespace PluginMesh.P2p.Crypto;

/// <summary>
/// Ed25519 (RFC 8032) over libcrypto. Verification applies libsodium's strict rules before
/// OpenSSL's check (canonical S, canonical public key, neither key nor R of small order), so what
/// verifies here is exactly what verified with NSec/libsodium before this core existed.
/// </summary>
/// <remarks>Thread-safe: each call uses its own digest context; key handles are only read.</remarks>
internal static unsafe class Ed25519
{
    public const int SeedLength = 32;
    public const int PublicKeyLength = 32;
    public const int SignatureLength = 64;

    /// <summary>The group order L, little-endian.</summary>
    private static ReadOnlySpan<byte> Order =>
    [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
    ];

    // Encodings of the points of small order (libsodium's ge25519_has_small_order list); the sign bit is ignored.
    private static readonly byte[][] SmallOrder =
    [
        Convert.FromHexString("0000000000000000000000000000000000000000000000000000000000000000"),
        Convert.FromHexString("0100000000000000000000000000000000000000000000000000000000000000"),
        Convert.FromHexString("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
        Convert.FromHexString("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
        Convert.FromHexString("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        Convert.FromHexString("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        Convert.FromHexString("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    ];

    /// <summary>A libcrypto key handle for the 32-byte <paramref name="seed"/>; free it with <see cref="Free"/>.</summary>
    public static nint ImportPrivate(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != SeedLength) throw new ArgumentException($"Ed25519 seed must be {SeedLength} bytes", nameof(seed));
        var api = LibCrypto.Functions;
        fixed (byte* p = seed)
        {
            var key = api.NewRawPrivateKey(LibCrypto.EvpPkeyEd25519, 0, p, (nuint)seed.Length);
            if (key == 0)
            {
                api.ClearErrors();
                throw new InvalidOperationException("PluginMesh.P2p: libcrypto refused an Ed25519 private key");
            }
            return key;
        }
    }

    public static void Free(nint key)
    {
        if (key != 0) LibCrypto.Functions.FreeKey(key);
    }

    public static byte[] PublicKeyOf(nint key) => ExportRaw(key, PublicKeyLength, LibCrypto.Functions.GetRawPublicKey, "public");

    public static byte[] SeedOf(nint key) => ExportRaw(key, SeedLength, LibCrypto.Functions.GetRawPrivateKey, "private");

    // EVP_PKEY_get_raw_public_key / _private_key: both fill a buffer and write back the length.
    private static byte[] ExportRaw(nint key, int size, delegate* unmanaged<nint, byte*, nuint*, int> get, string which)
    {
        var output = new byte[size];
        var length = (nuint)size;
        fixed (byte* p = output)
        {
            if (get(key, p, &length) != 1 || length != (nuint)size)
            {
                LibCrypto.Functions.ClearErrors();
                throw new InvalidOperationException($"PluginMesh.P2p: libcrypto could not export an Ed25519 {which} key");
            }
        }
        return output;
    }

    public static byte[] Sign(nint key, ReadOnlySpan<byte> data)
    {
        var api = LibCrypto.Functions;
        var signature = new byte[SignatureLength];
        var context = api.NewDigestContext();
        if (context == 0) throw new OutOfMemoryException("PluginMesh.P2p: EVP_MD_CTX_new failed");
        try
        {
            nuint length = SignatureLength;
            fixed (byte* s = signature)
            fixed (byte* d = data)
            {
                // A null pointer for empty input is fine for libcrypto only with a zero length, which it is.
                if (api.DigestSignInit(context, 0, 0, 0, key) != 1 || api.DigestSign(context, s, &length, d, (nuint)data.Length) != 1 || length != SignatureLength)
                {
                    api.ClearErrors();
                    throw new InvalidOperationException("PluginMesh.P2p: libcrypto failed to make an Ed25519 signature");
                }
            }
            return signature;
        }
        finally
        {
            api.FreeDigestContext(context);
        }
    }

    /// <summary>True when <paramref name="signature"/> is valid for <paramref name="data"/> under the raw <paramref name="publicKey"/>.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != PublicKeyLength || signature.Length != SignatureLength) return false;
        if (!IsCanonicalScalar(signature[32..]) || HasSmallOrder(signature[..32])) return false;
        if (!IsCanonicalPoint(publicKey) || HasSmallOrder(publicKey)) return false;
        var api = LibCrypto.Functions;
        nint key;
        fixed (byte* k = publicKey) key = api.NewRawPublicKey(LibCrypto.EvpPkeyEd25519, 0, k, (nuint)publicKey.Length);
        if (key == 0)
        {
            api.ClearErrors();
            return false;
        }
        var context = api.NewDigestContext();
        try
        {
            if (context == 0) throw new OutOfMemoryException("PluginMesh.P2p: EVP_MD_CTX_new failed");
            fixed (byte* s = signature)
            fixed (byte* d = data)
            {
                var ok = api.DigestVerifyInit(context, 0, 0, 0, key) == 1 && api.DigestVerify(context, s, (nuint)signature.Length, d, (nuint)data.Length) == 1;
                if (!ok) api.ClearErrors();
                return ok;
            }
        }
        finally
        {
            if (context != 0) api.FreeDigestContext(context);
            api.FreeKey(key);
        }
    }

    /// <summary>S &lt; L (RFC 8032 §5.1.7 and libsodium).</summary>
    private static bool IsCanonicalScalar(ReadOnlySpan<byte> s)
    {
        for (var i = 31; i >= 0; i--)
        {
            if (s[i] < Order[i]) return true;
            if (s[i] > Order[i]) return false;
        }
        return false;
    }

    /// <summary>The y coordinate (sign bit ignored) is below p = 2^255 − 19 (libsodium's ge25519_is_canonical).</summary>
    private static bool IsCanonicalPoint(ReadOnlySpan<byte> p)
    {
        if ((p[31] & 0x7f) != 0x7f) return true;
        for (var i = 30; i > 0; i--)
        {
            if (p[i] != 0xff) return true;
        }
        return p[0] < 0xed;
    }

    private static bool HasSmallOrder(ReadOnlySpan<byte> p)
    {
        foreach (var bad in SmallOrder)
        {
            if (p[..31].SequenceEqual(bad.AsSpan(0, 31)) && (p[31] & 0x7f) == bad[31]) return true;
        }
        return false;
    }
}
