namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>The upstream side of a UDP session: a connected UDP socket or a framed tunnel stream. One sender, one receiver.</summary>
public interface IDatagramChannel : IAsyncDisposable
{
    /// <summary>Sends one datagram whole.</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken);

    /// <summary>
    /// Receives one datagram into a pooled buffer taken only once it is there (the caller returns it,
    /// <see cref="PooledDatagram.Return"/>); null when the channel ended.
    /// </summary>
    ValueTask<PooledDatagram?> ReceiveAsync(CancellationToken cancellationToken);
}
