namespace PluginMesh.Plugins.Tunnel.Libp2p.Pnet;

/// <summary>
/// One direction of XSalsa20 keystream that continues across calls (pnet XORs every byte of the
/// connection with one keystream per sender). Not thread-safe: one reader or one writer owns it.
/// </summary>
internal sealed class XSalsa20Stream
{
    private const int BlockSize = 64;
    private static readonly int InitResult = SodiumNative.Init();
    private readonly byte[] _key;
    private readonly byte[] _nonce;
    private readonly byte[] _block = new byte[BlockSize];
    private ulong _offset;

    public XSalsa20Stream(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce)
    {
        if (InitResult < 0) throw new InvalidOperationException("libsodium failed to initialise");
        if (key.Length != 32) throw new ArgumentException("XSalsa20 key must be 32 bytes", nameof(key));
        if (nonce.Length != 24) throw new ArgumentException("XSalsa20 nonce must be 24 bytes", nameof(nonce));
        _key = key.ToArray();
        _nonce = nonce.ToArray();
    }

    /// <summary>XORs <paramref name="source"/> into <paramref name="destination"/> (same length; may be the same memory).</summary>
    public unsafe void Xor(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var within = (int)(_offset % BlockSize);
        if (within != 0)
        {
            // Finish the partly used block from a keystream block made on the side.
            _block.AsSpan().Clear();
            fixed (byte* b = _block)
            fixed (byte* n = _nonce)
            fixed (byte* k = _key)
            {
                SodiumNative.XSalsa20XorIc(b, b, BlockSize, n, _offset / BlockSize, k);
            }
            var take = Math.Min(BlockSize - within, source.Length);
            for (var i = 0; i < take; i++) destination[i] = (byte)(source[i] ^ _block[within + i]);
            _offset += (ulong)take;
            source = source[take..];
            destination = destination[take..];
        }
        if (source.Length == 0) return;
        fixed (byte* s = source)
        fixed (byte* d = destination)
        fixed (byte* n = _nonce)
        fixed (byte* k = _key)
        {
            SodiumNative.XSalsa20XorIc(d, s, (ulong)source.Length, n, _offset / BlockSize, k);
        }
        _offset += (ulong)source.Length;
    }
}
