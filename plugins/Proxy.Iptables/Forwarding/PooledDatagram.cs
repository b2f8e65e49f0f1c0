using System.Buffers;

namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>
/// One received datagram in a buffer rented from the shared pool once the datagram was there: a UDP
/// session that waits holds no buffer (it held 64 KiB per direction, plus a framing scratch, before).
/// The receiver hands it on and calls <see cref="Return"/> once it was sent.
/// </summary>
public readonly record struct PooledDatagram(byte[] Buffer, int Length)
{
    /// <summary>The datagram's bytes.</summary>
    public ReadOnlyMemory<byte> Bytes => Buffer.AsMemory(0, Length);

    /// <summary>Gives the buffer back to the pool; the datagram must not be used afterwards.</summary>
    public void Return() => ArrayPool<byte>.Shared.Return(Buffer);
}
