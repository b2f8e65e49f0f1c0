using System.Collections.Concurrent;

namespace PluginMesh.Plugins.Gateway.Istio;

/// <summary>
/// Instruments of <c>gateway.istio</c> on the plugin's meter, and the same counts kept for the status
/// section. Thread-safe.
/// </summary>
internal sealed class GatewayMetrics
{
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly UpDownCounter<long> _active;
    private readonly Counter<long> _handshakeFailures;
    private readonly Counter<long> _streams;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _logDropped;
    private readonly Counter<long> _mirrors;
    private readonly ConcurrentDictionary<(string Route, string Class), long> _requestCounts = new();
    private readonly ConcurrentDictionary<(string Route, string Result), long> _streamCounts = new();
    private readonly ConcurrentDictionary<(string Route, string Result), long> _mirrorCounts = new();
    private long _activeCount;
    private long _handshakeFailureCount;
    private long _retryCount;
    private long _logDroppedCount;

    public GatewayMetrics(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _requests = meter.CreateCounter<long>("pluginmesh.gateway.requests",
            description: "HTTP requests answered by the gateway, by route (no_route when none matched) and status class (2xx, 3xx, 4xx, 5xx)");
        _duration = meter.CreateHistogram<double>("pluginmesh.gateway.request.duration", unit: "s",
            description: "Time from a request's headers to the end of its response, by route");
        _active = meter.CreateUpDownCounter<long>("pluginmesh.gateway.connections.active",
            description: "Client connections open now, by listener protocol (http, https, tcp, tls)");
        _handshakeFailures = meter.CreateCounter<long>("pluginmesh.gateway.tls.handshake_failures",
            description: "TLS connections that ended before their handshake completed (no certificate for the name, client certificate missing or refused, protocol version), by port");
        _streams = meter.CreateCounter<long>("pluginmesh.gateway.stream.connections",
            description: "TCP and TLS-passthrough connections by route and result: ok, no_route, bad_client_hello, no_service, no_endpoints, unreachable, limit");
        _retries = meter.CreateCounter<long>("pluginmesh.gateway.retries",
            description: "HTTP tries made again after a retriable failure (VirtualService retries), by route");
        _mirrors = meter.CreateCounter<long>("pluginmesh.gateway.mirrors",
            description: "Copies of requests sent to a mirror (VirtualService mirror), by route and result: sent, failed, skipped_body");
        _logDropped = meter.CreateCounter<long>("pluginmesh.gateway.access_log.dropped",
            description: "Access log lines dropped because the writer fell behind");
    }

    public long Active => Interlocked.Read(ref _activeCount);

    public long HandshakeFailures => Interlocked.Read(ref _handshakeFailureCount);

    public long Retries => Interlocked.Read(ref _retryCount);

    public long AccessLogDropped => Interlocked.Read(ref _logDroppedCount);

    /// <summary>Requests since start by route, then status class.</summary>
    public IReadOnlyDictionary<string, SortedDictionary<string, long>> Requests => Nested(_requestCounts);

    /// <summary>Stream connections since start by route, then result.</summary>
    public IReadOnlyDictionary<string, SortedDictionary<string, long>> Streams => Nested(_streamCounts);

    /// <summary>Mirrored copies since start by route, then result.</summary>
    public IReadOnlyDictionary<string, SortedDictionary<string, long>> Mirrors => Nested(_mirrorCounts);

    /// <summary>A copy of a request of <paramref name="route"/> was <paramref name="result"/>: <c>sent</c> (answered), <c>failed</c> or <c>skipped_body</c>.</summary>
    public void Mirror(string route, string result) => Count(_mirrorCounts, _mirrors, route, result);

    /// <summary>One HTTP request of <paramref name="route"/> ended with <paramref name="status"/> after <paramref name="seconds"/>.</summary>
    public void Request(string route, int status, double seconds)
    {
        var statusClass = status switch
        {
            < 200 => "1xx",
            < 300 => "2xx",
            < 400 => "3xx",
            < 500 => "4xx",
            _ => "5xx",
        };
        _requestCounts.AddOrUpdate((route, statusClass), 1, (_, n) => n + 1);
        var routeTag = new KeyValuePair<string, object?>("route", route);
        _requests.Add(1, routeTag, new KeyValuePair<string, object?>("status_class", statusClass));
        _duration.Record(seconds, routeTag);
    }

    public void Stream(string route, string result) => Count(_streamCounts, _streams, route, result);

    // A count by route and result, kept for status and added to the instrument.
    private static void Count(ConcurrentDictionary<(string Route, string Result), long> counts, Counter<long> counter, string route, string result)
    {
        counts.AddOrUpdate((route, result), 1, (_, n) => n + 1);
        counter.Add(1, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("result", result));
    }

    public void Retry(string route)
    {
        Interlocked.Increment(ref _retryCount);
        _retries.Add(1, new KeyValuePair<string, object?>("route", route));
    }

    public void HandshakeFailed(int port)
    {
        Interlocked.Increment(ref _handshakeFailureCount);
        _handshakeFailures.Add(1, new KeyValuePair<string, object?>("port", port));
    }

    public void Opened(string protocol)
    {
        Interlocked.Increment(ref _activeCount);
        _active.Add(1, new KeyValuePair<string, object?>("protocol", protocol));
    }

    public void Closed(string protocol)
    {
        Interlocked.Decrement(ref _activeCount);
        _active.Add(-1, new KeyValuePair<string, object?>("protocol", protocol));
    }

    public void AccessLogLineDropped()
    {
        Interlocked.Increment(ref _logDroppedCount);
        _logDropped.Add(1);
    }

    private static SortedDictionary<string, SortedDictionary<string, long>> Nested(ConcurrentDictionary<(string, string), long> counts)
    {
        var result = new SortedDictionary<string, SortedDictionary<string, long>>(StringComparer.Ordinal);
        foreach (var ((outer, inner), n) in counts)
        {
            if (!result.TryGetValue(outer, out var row)) result[outer] = row = new(StringComparer.Ordinal);
            row[inner] = n;
        }
        return result;
    }
}
