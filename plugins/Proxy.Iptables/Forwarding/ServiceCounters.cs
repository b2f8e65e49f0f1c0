namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>Per service-port counters for status and metrics. Lock-free.</summary>
public sealed class ServiceCounters(string service, ProxyMetrics metrics) : IByteCounter
{
    private long _connections;
    private long _bytesIn;
    private long _bytesOut;
    private long _dialFailures;

    /// <summary>Connections (or UDP sessions) established.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>Bytes client→endpoint.</summary>
    public long BytesIn => Interlocked.Read(ref _bytesIn);

    /// <summary>Bytes endpoint→client.</summary>
    public long BytesOut => Interlocked.Read(ref _bytesOut);

    /// <summary>Failed dials.</summary>
    public long DialFailures => Interlocked.Read(ref _dialFailures);

    /// <summary>The metrics sink.</summary>
    public ProxyMetrics Metrics => metrics;

    /// <inheritdoc />
    public void Add(bool inbound, long bytes)
    {
        Interlocked.Add(ref inbound ? ref _bytesIn : ref _bytesOut, bytes);
        metrics.Bytes(service, inbound, bytes);
    }

    /// <summary>A connection was established over <paramref name="path"/>.</summary>
    public void Connected(ProxyPath path)
    {
        Interlocked.Increment(ref _connections);
        metrics.Connection(service, path.ToWire());
    }

    /// <summary>A dial failed for <paramref name="reason"/>.</summary>
    public void DialFailed(string reason)
    {
        Interlocked.Increment(ref _dialFailures);
        metrics.DialFailure(service, reason);
    }
}
