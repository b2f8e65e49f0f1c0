using System.Runtime.InteropServices;

namespace PluginMesh.P2p.Crypto;

/// <summary>
/// The few EVP functions of the system's OpenSSL libcrypto that Ed25519 needs (OpenSSL 1.1.1 and 3.x
/// have them). .NET already requires libcrypto on Linux for its own cryptography, so this adds no
/// dependency and nothing native to ship: the host stays one self-contained file.
/// </summary>
/// <remarks>Resolved once, on first use; thread-safe.</remarks>
internal static unsafe class LibCrypto
{
    public const int EvpPkeyEd25519 = 1087; // NID_ED25519

    private static readonly string[] Candidates = ["libcrypto.so.3", "libcrypto.so.1.1", "libcrypto.so"];
    private static readonly Lazy<Api> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    public static Api Functions => Loaded.Value;

    internal sealed class Api
    {
        public required delegate* unmanaged<int, nint, byte*, nuint, nint> NewRawPrivateKey { get; init; }
        public required delegate* unmanaged<int, nint, byte*, nuint, nint> NewRawPublicKey { get; init; }
        public required delegate* unmanaged<nint, byte*, nuint*, int> GetRawPublicKey { get; init; }
        public required delegate* unmanaged<nint, byte*, nuint*, int> GetRawPrivateKey { get; init; }
        public required delegate* unmanaged<nint, void> FreeKey { get; init; }
        public required delegate* unmanaged<nint> NewDigestContext { get; init; }
        public required delegate* unmanaged<nint, void> FreeDigestContext { get; init; }
        public required delegate* unmanaged<nint, nint, nint, nint, nint, int> DigestSignInit { get; init; }
        public required delegate* unmanaged<nint, byte*, nuint*, byte*, nuint, int> DigestSign { get; init; }
        public required delegate* unmanaged<nint, nint, nint, nint, nint, int> DigestVerifyInit { get; init; }
        public required delegate* unmanaged<nint, byte*, nuint, byte*, nuint, int> DigestVerify { get; init; }
        public required delegate* unmanaged<void> ClearErrors { get; init; }
    }

    private static Api Load()
    {
        nint handle = 0;
        foreach (var name in Candidates)
        {
            if (NativeLibrary.TryLoad(name, out handle)) break;
        }
        if (handle == 0)
            throw new PlatformNotSupportedException($"PluginMesh.P2p: Ed25519 needs the system OpenSSL libcrypto (tried {string.Join(", ", Candidates)}); install libssl3 (Debian/Ubuntu: apt-get install libssl3)");
        return new Api
        {
            NewRawPrivateKey = (delegate* unmanaged<int, nint, byte*, nuint, nint>)Export(handle, "EVP_PKEY_new_raw_private_key"),
            NewRawPublicKey = (delegate* unmanaged<int, nint, byte*, nuint, nint>)Export(handle, "EVP_PKEY_new_raw_public_key"),
            GetRawPublicKey = (delegate* unmanaged<nint, byte*, nuint*, int>)Export(handle, "EVP_PKEY_get_raw_public_key"),
            GetRawPrivateKey = (delegate* unmanaged<nint, byte*, nuint*, int>)Export(handle, "EVP_PKEY_get_raw_private_key"),
            FreeKey = (delegate* unmanaged<nint, void>)Export(handle, "EVP_PKEY_free"),
            NewDigestContext = (delegate* unmanaged<nint>)Export(handle, "EVP_MD_CTX_new"),
            FreeDigestContext = (delegate* unmanaged<nint, void>)Export(handle, "EVP_MD_CTX_free"),
            DigestSignInit = (delegate* unmanaged<nint, nint, nint, nint, nint, int>)Export(handle, "EVP_DigestSignInit"),
            DigestSign = (delegate* unmanaged<nint, byte*, nuint*, byte*, nuint, int>)Export(handle, "EVP_DigestSign"),
            DigestVerifyInit = (delegate* unmanaged<nint, nint, nint, nint, nint, int>)Export(handle, "EVP_DigestVerifyInit"),
            DigestVerify = (delegate* unmanaged<nint, byte*, nuint, byte*, nuint, int>)Export(handle, "EVP_DigestVerify"),
            ClearErrors = (delegate* unmanaged<void>)Export(handle, "ERR_clear_error"),
        };
    }

    private static nint Export(nint handle, string name) =>
        NativeLibrary.TryGetExport(handle, name, out var address) ? address
            : throw new PlatformNotSupportedException($"PluginMesh.P2p: the system libcrypto has no {name} (Ed25519 needs OpenSSL 1.1.1 or later)");
}
