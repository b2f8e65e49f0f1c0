using PluginMesh.Plugins.Dns.Mdns.Forwarding;
using PluginMesh.Plugins.Dns.Mdns.Wire;
using PluginMesh.Plugins.Dns.Mdns.Zone;

namespace PluginMesh.Plugins.Dns.Mdns.Server;

/// <summary>
/// Turns one query into one response. Cluster names are answered synchronously from the current
/// <see cref="ZoneIndex"/> (one dictionary probe, one copy, no allocation); everything else goes to
/// <see cref="ForwardAsync"/>. Thread-safe: the index is swapped atomically on catalog changes.
/// </summary>
internal sealed class DnsQueryHandler
{
    /// <summary>Response buffers must hold this many bytes.</summary>
    public const int ResponseBufferSize = DnsLimits.MaxMessageLength;

    private readonly DnsMetrics _metrics;
    private readonly TimeProvider _time;
    private ZoneIndex _zone;

    public DnsQueryHandler(ZoneIndex zone, UpstreamForwarder forwarder, DnsMetrics metrics, TimeProvider time)
    {
        _zone = zone;
        Forwarder = forwarder;
        _metrics = metrics;
        _time = time;
    }

    /// <summary>The index answers come from; replaced whole when the catalog changes.</summary>
    public ZoneIndex Zone
    {
        get => Volatile.Read(ref _zone);
        set => Volatile.Write(ref _zone, value);
    }

    /// <summary>Where non-cluster names go.</summary>
    public UpstreamForwarder Forwarder { get; }

    /// <summary>
    /// Answers locally when possible. Returns <see cref="QueryResult.Forwarded"/> with
    /// <paramref name="length"/> 0 when the caller must call <see cref="ForwardAsync"/> with
    /// <paramref name="query"/>; <see cref="QueryResult.Dropped"/> when nothing is to be sent.
    /// Records metrics for every result except a pending forward.
    /// </summary>
    public QueryResult Handle(ReadOnlySpan<byte> request, Span<byte> response, bool udp, long startTimestamp, out int length, out DnsQuery query)
    {
        var result = Answer(request, response, udp, out length, out query);
        if (result != QueryResult.Forwarded) _metrics.Record(result, udp ? "udp" : "tcp", _time.GetElapsedTime(startTimestamp));
        return result;
    }

    /// <summary>Forwards a query that <see cref="Handle"/> did not answer and records its metrics.</summary>
    public async ValueTask<(int Length, QueryResult Result)> ForwardAsync(DnsQuery query, Memory<byte> response, bool udp, long startTimestamp, CancellationToken cancellationToken)
    {
        var maxSize = udp ? query.MaxUdpResponse : DnsLimits.MaxMessageLength;
        var outcome = await Forwarder.ForwardAsync(query, response, maxSize, cancellationToken).ConfigureAwait(false);
        var result = outcome.Failed ? QueryResult.ServFail : QueryResult.Forwarded;
        _metrics.Record(result, udp ? "udp" : "tcp", _time.GetElapsedTime(startTimestamp));
        return (outcome.Length, result);
    }

    private QueryResult Answer(ReadOnlySpan<byte> request, Span<byte> response, bool udp, out int length, out DnsQuery query)
    {
        length = 0;
        var status = DnsQueryParser.Parse(request, out query);
        switch (status)
        {
            case ParseStatus.Drop:
                return QueryResult.Dropped;
            case ParseStatus.FormErr:
                length = QueryResponder.WriteError(query, response, DnsRcode.FormErr);
                return QueryResult.FormErr;
            case ParseStatus.NotImp:
                length = QueryResponder.WriteError(query, response, DnsRcode.NotImp);
                return QueryResult.FormErr;
            case ParseStatus.BadVers:
                length = QueryResponder.WriteError(query, response, DnsRcode.BadVers);
                return QueryResult.FormErr;
        }

        Span<byte> lower = stackalloc byte[DnsLimits.MaxNameLength];
        lower = lower[..query.NameLength];
        DnsQueryParser.ToLower(query.NameSpan, lower);
        var zone = Zone;
        var match = zone.Find(lower, out var node);
        if (match == ZoneMatch.NotAuthoritative) return QueryResult.Forwarded;

        var maxSize = udp ? query.MaxUdpResponse : DnsLimits.MaxMessageLength;
        if (query.Class is not (DnsType.ClassIn or DnsType.ClassAny))
        {
            length = QueryResponder.WriteError(query, response, DnsRcode.Refused);
            return QueryResult.Refused;
        }

        if (match == ZoneMatch.NameError)
        {
            length = QueryResponder.Write(query, response, maxSize, DnsRcode.NxDomain, true, default, 0, zone.SoaRecord, 1);
            return QueryResult.NxDomain;
        }

        var set = node!.Get(query.Type);
        if (set is not null)
        {
            length = QueryResponder.Write(query, response, maxSize, DnsRcode.NoError, true, set.Wire, set.Count, default, 0);
            return QueryResult.Answer;
        }

        // NODATA (RFC 2308 §2.2): NOERROR, no answers, the SOA in authority so it can be cached.
        ReadOnlySpan<byte> soa = node.InClusterDomain ? zone.SoaRecord : [];
        length = QueryResponder.Write(query, response, maxSize, DnsRcode.NoError, true, default, 0, soa, (ushort)(soa.Length > 0 ? 1 : 0));
        return QueryResult.NoData;
    }
}
