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

/// <summary>The receive loop every UDP direction runs.</summary>
public static class DatagramChannels
{
    /// <summary>Hands each datagram to <paramref name="forward"/> and returns its buffer after; ends when the channel does.</summary>
    public static async Task ForEachAsync(this IDatagramChannel from, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> forward, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(forward);
        while (await from.ReceiveAsync(cancellationToken).ConfigureAwait(false) is { } datagram)
        {
            try
            {
                await forward(datagram.Bytes, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                datagram.Return();
            }
        }
    }
}
