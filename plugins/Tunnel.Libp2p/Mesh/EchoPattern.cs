namespace PluginMesh.Plugins.Tunnel.Libp2p.Mesh;

/// <summary>
/// The deterministic echo test pattern shared with the js harness: a 1 MiB block, repeated, made of
/// xorshift32 words (state 0x9e3779b9; x ^= x&lt;&lt;13; x ^= x&gt;&gt;17; x ^= x&lt;&lt;5) written little-endian.
/// </summary>
public static class EchoPattern
{
    public const int BlockSize = 1024 * 1024;
    private static readonly Lazy<byte[]> Shared = new(Build);

    /// <summary>The 1 MiB block; callers must not modify it.</summary>
    public static ReadOnlyMemory<byte> Block => Shared.Value;

    /// <summary>The pattern byte at absolute <paramref name="offset"/>.</summary>
    public static byte At(long offset) => Shared.Value[(int)(offset % BlockSize)];

    /// <summary>Checks <paramref name="data"/> against the pattern starting at <paramref name="offset"/>; returns the first bad offset or -1.</summary>
    public static long FindMismatch(ReadOnlySpan<byte> data, long offset)
    {
        var block = Shared.Value;
        var checkedBytes = 0;
        while (checkedBytes < data.Length)
        {
            var within = (int)((offset + checkedBytes) % BlockSize);
            var n = Math.Min(data.Length - checkedBytes, BlockSize - within);
            var slice = data.Slice(checkedBytes, n);
            var expected = block.AsSpan(within, n);
            if (!slice.SequenceEqual(expected))
            {
                var i = slice.CommonPrefixLength(expected);
                return offset + checkedBytes + i;
            }
            checkedBytes += n;
        }
        return -1;
    }

    private static byte[] Build()
    {
        var block = new byte[BlockSize];
        var x = 0x9e3779b9u;
        for (var i = 0; i < BlockSize; i += 4)
        {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(i), x);
        }
        return block;
    }
}
