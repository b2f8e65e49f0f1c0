using System.Security.Cryptography;
using System.Text;

namespace PluginMesh.Plugins.Dns.Mdns.Forwarding;

/// <summary>
/// Forwards names outside the cluster domain to upstream resolvers: cache first, then each upstream
/// in turn over UDP (TCP when the UDP reply is truncated), SERVFAIL when all fail. Thread-safe.
/// </summary>
internal sealed class UpstreamForwarder
{
    private static readonly TimeSpan FailureLogInterval = TimeSpan.FromSeconds(10);
    private readonly DnsOptions _options;
    private readonly ResponseCache _cache;
    private readonly DnsMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private IReadOnlyList<IPEndPoint> _upstreams = [];
    private int _preferred;
    private long _lastFailureLog = long.MinValue;
    private readonly ConcurrentDictionary<CacheKey, Task<CachedResponse?>> _inFlight = new();
    private int _waiters;

    public UpstreamForwarder(DnsOptions options, DnsMetrics metrics, TimeProvider time, ILogger logger)
    {
        _options = options;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _cache = new ResponseCache(options.CacheSize, time);
    }

    /// <summary>The upstreams in use.</summary>
    public IReadOnlyList<IPEndPoint> Upstreams
    {
        get => Volatile.Read(ref _upstreams);
        set => Volatile.Write(ref _upstreams, value);
    }

    /// <summary>Queries waiting on an identical one already sent upstream.</summary>
    internal int Waiters => Volatile.Read(ref _waiters);

    /// <summary>Entries in the cache.</summary>
    public int CacheCount => _cache.Count;

    /// <summary>Answers <paramref name="query"/> from the cache when it holds it; no upstream, no await.</summary>
    public bool TryAnswerFromCache(in DnsQuery query, Span<byte> output, int maxSize, out int length)
    {
        length = 0;
        if (_cache.Count == 0) return false;
        var (key, _) = KeyOf(query);
        if (!_cache.TryGet(key, out var cached, out var elapsed)) return false;
        _metrics.CacheHit();
        length = cached!.Render(query, output, maxSize, elapsed);
        return true;
    }

    /// <summary>Answers <paramref name="query"/> into <paramref name="output"/> (at least <paramref name="maxSize"/> bytes).</summary>
    public async ValueTask<ForwardOutcome> ForwardAsync(DnsQuery query, Memory<byte> output, int maxSize, CancellationToken cancellationToken)
    {
        var (key, lowerName) = KeyOf(query);
        // Filled while the query waited for its slot (the caller tried the cache first).
        if (_cache.TryGet(key, out var cached, out var elapsed))
        {
            _metrics.CacheHit();
            return new ForwardOutcome(cached!.Render(query, output.Span, maxSize, elapsed), false);
        }

        // Identical questions already on their way upstream share that exchange: a burst of pods
        // asking the same name after its entry expired costs one upstream query, not one each.
        var mine = new TaskCompletionSource<CachedResponse?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var shared = _inFlight.GetOrAdd(key, mine.Task);
        CachedResponse? entry;
        if (shared != mine.Task)
        {
            Interlocked.Increment(ref _waiters);
            try
            {
                entry = await shared.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _waiters);
            }
        }
        else
        {
            try
            {
                entry = await ResolveAsync(query, key, lowerName, cancellationToken).ConfigureAwait(false);
                mine.SetResult(entry);
            }
            catch (OperationCanceledException)
            {
                mine.SetCanceled(cancellationToken);
                throw;
            }
            catch (Exception ex)
            {
                mine.SetException(ex);
                throw;
            }
            finally
            {
                _inFlight.TryRemove(new KeyValuePair<CacheKey, Task<CachedResponse?>>(key, mine.Task));
            }
        }

        if (entry is not null) return new ForwardOutcome(entry.Render(query, output.Span, maxSize, 0), false);
        return new ForwardOutcome(QueryResponder.WriteError(query, output.Span, DnsRcode.ServFail), true);
    }

    private static (CacheKey Key, byte[] LowerName) KeyOf(in DnsQuery query)
    {
        var lowerName = new byte[query.NameLength];
        DnsQueryParser.ToLower(query.NameSpan, lowerName);
        return (new CacheKey(Encoding.Latin1.GetString(lowerName), query.Type, query.Class), lowerName);
    }

    /// <summary>Asks each upstream in turn; null when all fail (logged at most every 10 s).</summary>
    private async Task<CachedResponse?> ResolveAsync(DnsQuery query, CacheKey key, byte[] lowerName, CancellationToken cancellationToken)
    {
        var upstreams = Upstreams;
        var id = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
        var request = BuildUpstreamQuery(query, id);
        var start = Volatile.Read(ref _preferred);
        var buffer = ArrayPool<byte>.Shared.Rent(DnsLimits.MaxMessageLength);
        try
        {
            for (var attempt = 0; attempt < upstreams.Count; attempt++)
            {
                var index = (start + attempt) % upstreams.Count;
                var upstream = upstreams[index];
                var (length, info) = await ExchangeAsync(upstream, request, buffer, id, lowerName, query, cancellationToken).ConfigureAwait(false);
                if (info is null || info.Rcode is DnsRcode.ServFail or DnsRcode.Refused or DnsRcode.NotImp or DnsRcode.FormErr)
                {
                    DnsLog.UpstreamFailed(_logger, upstream.ToString(), info is null ? "no valid answer" : $"rcode {info.Rcode}");
                    continue;
                }

                Volatile.Write(ref _preferred, index);
                var entry = CachedResponse.Create(buffer.AsSpan(0, length), info, _time.GetTimestamp(), _options.MaxCacheTtl, _options.MaxNegativeTtl);
                _cache.Add(key, entry);
                return entry;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastFailureLog);
        if (last == long.MinValue || _time.GetElapsedTime(last, now) >= FailureLogInterval)
        {
            Interlocked.Exchange(ref _lastFailureLog, now);
            DnsLog.AllUpstreamsFailed(_logger, DnsNames.ToText(lowerName), upstreams.Count);
        }
        return null;
    }

    /// <summary>Our own query: fresh random ID (spoofing resistance), RD set, EDNS with our payload size.</summary>
    private static byte[] BuildUpstreamQuery(in DnsQuery query, ushort id)
    {
        var request = new byte[DnsLimits.HeaderLength + query.NameLength + 4 + DnsLimits.OptRecordLength];
        var writer = new DnsWriter(request);
        writer.WriteHeader(id, (ushort)(0x0100 | (query.Flags & 0x0010)), 1, 0, 0, 1);
        writer.WriteBytes(query.NameSpan);
        writer.WriteUInt16(query.Type);
        writer.WriteUInt16(query.Class);
        writer.WriteOpt(DnsLimits.AdvertisedUdpSize, 0);
        return request;
    }

    private async ValueTask<(int Length, UpstreamResponse? Info)> ExchangeAsync(
        IPEndPoint upstream, byte[] request, byte[] buffer, ushort id, byte[] lowerName, DnsQuery query, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.UpstreamTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var (length, info) = await ExchangeUdpAsync(upstream, request, buffer, id, lowerName, query, linked.Token).ConfigureAwait(false);
            if (info is { Truncated: true })
                (length, info) = await ExchangeTcpAsync(upstream, request, buffer, id, lowerName, query, linked.Token).ConfigureAwait(false);
            return (length, info);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (0, null);
        }
        catch (SocketException)
        {
            // Refused or unreachable: the next upstream is tried; the caller logs it.
            return (0, null);
        }
    }

    private static async ValueTask<(int, UpstreamResponse?)> ExchangeUdpAsync(
        IPEndPoint upstream, byte[] request, byte[] buffer, ushort id, byte[] lowerName, DnsQuery query, CancellationToken cancellationToken)
    {
        // One socket per exchange: a fresh ephemeral port per query is the other half of spoofing resistance.
        using var socket = new Socket(upstream.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        await socket.ConnectAsync(upstream, cancellationToken).ConfigureAwait(false);
        await socket.SendAsync(request, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var length = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            var info = DnsResponseInspector.Inspect(buffer.AsSpan(0, length), id, lowerName, query.Type, query.Class);
            if (info is not null) return (length, info);
        }
    }

    private static async ValueTask<(int, UpstreamResponse?)> ExchangeTcpAsync(
        IPEndPoint upstream, byte[] request, byte[] buffer, ushort id, byte[] lowerName, DnsQuery query, CancellationToken cancellationToken)
    {
        using var socket = new Socket(upstream.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(upstream, cancellationToken).ConfigureAwait(false);
        var framed = new byte[2 + request.Length];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)request.Length);
        request.CopyTo(framed, 2);
        await socket.SendAsync(framed, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        if (!await TcpFraming.ReadExactlyAsync(socket, buffer.AsMemory(0, 2), cancellationToken).ConfigureAwait(false)) return (0, null);
        int length = BinaryPrimitives.ReadUInt16BigEndian(buffer);
        if (!await TcpFraming.ReadExactlyAsync(socket, buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false)) return (0, null);
        var info = DnsResponseInspector.Inspect(buffer.AsSpan(0, length), id, lowerName, query.Type, query.Class);
        return info is { Truncated: true } ? (0, null) : (length, info);
    }
}
