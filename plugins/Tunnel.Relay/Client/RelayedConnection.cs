namespace PluginMesh.Plugins.Tunnel.Relay.Client;

/// <summary>
/// A circuit seen as a raw transport connection: the hop (dialer) or stop (listener) stream after
/// the relay said OK. The tunnel upgrades it (pnet, Noise, Yamux) like a TCP socket.
/// </summary>
internal sealed class RelayedConnection(IMeshStream stream, Multiaddr localAddress, Multiaddr remoteAddress) : ITransportConnection
{
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Stream Stream => stream.Stream;

    public Multiaddr LocalAddress => localAddress;

    public Multiaddr RemoteAddress => remoteAddress;

    /// <summary>Completes when the owner disposed the connection (the STOP handler waits on it to keep the stream open).</summary>
    public Task Closed => _closed.Task;

    /// <summary>Half-closes the circuit; the upgraded connection never needs it, raw users (tests, benchmarks) do.</summary>
    internal ValueTask CloseWriteAsync(CancellationToken cancellationToken) => stream.CloseWriteAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (!_closed.TrySetResult()) return;
        await stream.DisposeAsync().ConfigureAwait(false);
    }
}
