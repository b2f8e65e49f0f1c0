namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>The upstream side of a UDP session: a connected UDP socket or a framed tunnel stream. One sender, one receiver.</summary>
public interface IDatagramChannel : IAsyncDisposable
{
    /// <summary>Sends one datagram whole.</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken);

    /// <summary>Receives one datagram into <paramref name="buffer"/> (65535 bytes); -1 when the channel ended.</summary>
    ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken);
}
