namespace PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

/// <summary>
/// One pooled piece of a stream's receive buffer (4–64 KiB, sized to the data that opened it, so small
/// messages do not each hold 64 KiB): filled at the end, read from the start.
/// </summary>
internal sealed class YamuxReceiveSegment(byte[] array)
{
    public const int Size = 64 * 1024;
    public const int MinSize = 4 * 1024;
    private int _start;
    private int _end;

    public byte[] Array { get; } = array;

    public bool Full => _end == Array.Length;

    public bool Empty => _start == _end;

    public int Append(ReadOnlySpan<byte> data)
    {
        var n = Math.Min(data.Length, Array.Length - _end);
        data[..n].CopyTo(Array.AsSpan(_end));
        _end += n;
        return n;
    }

    public int CopyTo(Span<byte> destination)
    {
        var n = Math.Min(destination.Length, _end - _start);
        Array.AsSpan(_start, n).CopyTo(destination);
        _start += n;
        return n;
    }
}
