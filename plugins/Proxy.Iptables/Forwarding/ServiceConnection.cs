namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>
/// A connection opened by <see cref="ServiceConnector"/>: holds the endpoint's active count and the
/// proxy's open-connection gauge for its lifetime, and counts its bytes in the service port's counters.
/// </summary>
public sealed class ServiceConnection : IServiceConnection
{
    private readonly IDuplexConnection _upstream;
    private readonly DialResult _dial;
    private readonly ServiceCounters _counters;
    private int _ended;

    /// <summary>Takes ownership of <paramref name="dial"/>'s socket or tunnel stream and counts it as open.</summary>
    public ServiceConnection(DialResult dial, ServiceCounters counters)
    {
        ArgumentNullException.ThrowIfNull(dial);
        ArgumentNullException.ThrowIfNull(counters);
        _dial = dial;
        _counters = counters;
        _upstream = dial.ToConnection();
        Stream = new DuplexStream(_upstream, counters);
        dial.Backend.Health.Acquire();
        counters.Connected(dial.Path);
    }

    /// <inheritdoc />
    public Stream Stream { get; }

    /// <inheritdoc />
    public IPEndPoint Endpoint => _dial.Backend.EndPoint;

    /// <inheritdoc />
    public string? NodeName => _dial.Backend.NodeName;

    /// <inheritdoc />
    public string Path => _dial.Path.ToWire();

    /// <inheritdoc />
    public ValueTask CloseWriteAsync(CancellationToken cancellationToken = default) => _upstream.CloseWriteAsync(cancellationToken);

    /// <inheritdoc />
    public void Abort()
    {
        if (!End()) return;
        _upstream.Abort();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // A socket connection resets on close until told the exchange ended cleanly; the owner closing
        // it (without an abort first) is that word.
        if (End()) (_upstream as SocketConnection)?.EndedCleanly();
        await _upstream.DisposeAsync().ConfigureAwait(false);
    }

    private bool End()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0) return false;
        _dial.Backend.Health.Release();
        _counters.Metrics.Closed();
        return true;
    }
}
