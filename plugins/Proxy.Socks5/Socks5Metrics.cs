using System.Collections.Concurrent;

namespace PluginMesh.Plugins.Proxy.Socks5;

/// <summary>
/// Instruments of <c>proxy.socks5</c> on the plugin's meter, and the same counts kept for the status
/// section. Thread-safe; recording a chunk of relayed bytes allocates nothing.
/// </summary>
internal sealed class Socks5Metrics
{
    private readonly Counter<long> _connections;
    private readonly Counter<long> _served;
    private readonly Counter<long> _bytes;
    private readonly UpDownCounter<long> _active;
    private readonly ConcurrentDictionary<string, long> _connectionCounts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _servedCounts = new(StringComparer.Ordinal);
    private long _activeCount;
    private long _bytesUp;
    private long _bytesDown;

    public Socks5Metrics(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _connections = meter.CreateCounter<long>("pluginmesh.socks5.connections",
            description: "SOCKS5 connections by result: the reply code sent (succeeded, not_allowed, host_unreachable, connection_refused, command_not_supported, address_type_not_supported, general_failure) or a handshake that ended before a request (auth_failed, no_acceptable_method, bad_handshake, limit)");
        _served = meter.CreateCounter<long>("pluginmesh.socks5.served",
            description: "Requests other agents made of this node (/pluginmesh/socks-target/1.0.0) by result: ok, not_member, port_not_allowed, not_own_address, refused, timeout, unreachable, bad_request");
        _bytes = meter.CreateCounter<long>("pluginmesh.socks5.bytes", unit: "By", description: "Bytes relayed for SOCKS clients, by direction (up: client to node, down: node to client)");
        _active = meter.CreateUpDownCounter<long>("pluginmesh.socks5.active", description: "SOCKS5 connections open now");
    }

    public long Active => Interlocked.Read(ref _activeCount);

    public long BytesUp => Interlocked.Read(ref _bytesUp);

    public long BytesDown => Interlocked.Read(ref _bytesDown);

    public IReadOnlyDictionary<string, long> Connections => Snapshot(_connectionCounts);

    public IReadOnlyDictionary<string, long> Served => Snapshot(_servedCounts);

    /// <summary>One SOCKS connection ended its handshake with <paramref name="result"/>.</summary>
    public void Connection(string result)
    {
        _connectionCounts.AddOrUpdate(result, 1, (_, n) => n + 1);
        _connections.Add(1, new KeyValuePair<string, object?>("result", result));
    }

    /// <summary>One request of another agent was answered with <paramref name="result"/>.</summary>
    public void Serving(string result)
    {
        _servedCounts.AddOrUpdate(result, 1, (_, n) => n + 1);
        _served.Add(1, new KeyValuePair<string, object?>("result", result));
    }

    public void Opened()
    {
        Interlocked.Increment(ref _activeCount);
        _active.Add(1);
    }

    public void Closed()
    {
        Interlocked.Decrement(ref _activeCount);
        _active.Add(-1);
    }

    public void Moved(bool up, int bytes)
    {
        Interlocked.Add(ref up ? ref _bytesUp : ref _bytesDown, bytes);
        _bytes.Add(bytes, new KeyValuePair<string, object?>("direction", up ? "up" : "down"));
    }

    private static SortedDictionary<string, long> Snapshot(ConcurrentDictionary<string, long> counts) => new(counts, StringComparer.Ordinal);
}
