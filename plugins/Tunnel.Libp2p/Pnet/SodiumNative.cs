using System.Runtime.InteropServices;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Pnet;

/// <summary>The libsodium that NSec ships; XSalsa20 is not in NSec's API, so it is called directly.</summary>
internal static partial class SodiumNative
{
    private const string Library = "libsodium";

    [LibraryImport(Library, EntryPoint = "sodium_init")]
    internal static partial int Init();

    [LibraryImport(Library, EntryPoint = "crypto_stream_xsalsa20_xor_ic")]
    internal static unsafe partial int XSalsa20XorIc(byte* c, byte* m, ulong mlen, byte* n, ulong ic, byte* k);
}
