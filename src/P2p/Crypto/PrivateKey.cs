using System.Security.Cryptography;

namespace PluginMesh.P2p.Crypto;

/// <summary>
/// An Ed25519 identity key: signs, and knows its <see cref="PublicKey"/> and <see cref="PeerId"/>.
/// Every node creates its own (never derive one from a node name: anyone could then compute it).
/// </summary>
/// <remarks>
/// Thread-safe: signing concurrently is fine. The secret lives in libcrypto's memory, which is
/// cleared when the key is disposed; signing after that throws <see cref="ObjectDisposedException"/>.
/// </remarks>
public sealed class PrivateKey : IDisposable
{
    private readonly Lock _lock = new();
    private readonly nint _handle;
    private int _users;
    private bool _disposed;

    private PrivateKey(nint handle)
    {
        _handle = handle;
        PublicKey = PublicKey.FromEd25519(Ed25519.PublicKeyOf(handle));
        PeerId = PublicKey.ToPeerId();
    }

    /// <summary>The public half.</summary>
    public PublicKey PublicKey { get; }

    /// <summary>The PeerId of <see cref="PublicKey"/>.</summary>
    public PeerId PeerId { get; }

    /// <summary>A new random key (the seed comes from the system's CSPRNG).</summary>
    public static PrivateKey Generate()
    {
        Span<byte> seed = stackalloc byte[Ed25519.SeedLength];
        RandomNumberGenerator.Fill(seed);
        try
        {
            return FromSeed(seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>The key of a 32-byte RFC 8032 seed.</summary>
    /// <exception cref="ArgumentException">Not 32 bytes.</exception>
    public static PrivateKey FromSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != Ed25519.SeedLength) throw new ArgumentException($"Ed25519 seed must be {Ed25519.SeedLength} bytes", nameof(seed));
        var handle = Ed25519.ImportPrivate(seed);
        try
        {
            return new PrivateKey(handle);
        }
        catch
        {
            Ed25519.Free(handle);
            throw;
        }
    }

    /// <summary>
    /// From a libp2p <c>PrivateKey</c> protobuf (Ed25519 data: seed ‖ public key, the bare seed, or go-libp2p's
    /// legacy 96-byte form, seed ‖ public key ‖ public key again, which old go key files and @libp2p/interop's hold).
    /// </summary>
    /// <exception cref="FormatException">Not a key protobuf, not Ed25519, a wrong length, or a public half that does not match the seed.</exception>
    public static PrivateKey FromProtobuf(ReadOnlySpan<byte> encoded)
    {
        var (type, data) = KeyProtobuf.Decode(encoded);
        try
        {
            if (type != KeyType.Ed25519) throw new FormatException($"key: only Ed25519 identities are supported, got {type}");
            if (data.Length is not (32 or 64 or 96)) throw new FormatException($"key: Ed25519 private key must be 32, 64 or 96 bytes, got {data.Length}");
            if (data.Length == 96 && !data.AsSpan(64).SequenceEqual(data.AsSpan(32, 32)))
                throw new FormatException("key: legacy 96-byte Ed25519 private key does not repeat its public key");
            var key = FromSeed(data.AsSpan(0, 32));
            if (data.Length >= 64 && !data.AsSpan(32, 32).SequenceEqual(key.PublicKey.Raw))
            {
                key.Dispose();
                throw new FormatException("key: Ed25519 private key's public half does not match its seed");
            }
            return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }
    }

    /// <summary>The libp2p <c>PrivateKey</c> protobuf (seed ‖ public key, as go and js write it).</summary>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public byte[] ExportProtobuf()
    {
        var seed = Use(Ed25519.SeedOf);
        var data = new byte[64];
        seed.CopyTo(data, 0);
        PublicKey.Raw.CopyTo(data.AsSpan(32));
        CryptographicOperations.ZeroMemory(seed);
        var encoded = KeyProtobuf.Encode(KeyType.Ed25519, data);
        CryptographicOperations.ZeroMemory(data);
        return encoded;
    }

    /// <summary>An Ed25519 signature (64 bytes) over <paramref name="data"/> as given.</summary>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        var handle = Acquire();
        try
        {
            return Ed25519.Sign(handle, data);
        }
        finally
        {
            Release();
        }
    }

    /// <summary>Frees the secret; a signature in progress finishes first (its caller frees it then).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            if (_users > 0) return;
        }
        Ed25519.Free(_handle);
    }

    private T Use<T>(Func<nint, T> action)
    {
        var handle = Acquire();
        try
        {
            return action(handle);
        }
        finally
        {
            Release();
        }
    }

    private nint Acquire()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _users++;
            return _handle;
        }
    }

    private void Release()
    {
        lock (_lock)
        {
            if (--_users > 0 || !_disposed) return;
        }
        Ed25519.Free(_handle);
    }
}
