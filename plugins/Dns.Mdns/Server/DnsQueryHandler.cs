namespace PluginMesh.Plugins.Dns.Mdns.Server;

/// <summary>
/// Turns one query into one response. Cluster names are answered synchronously from the current
/// <see cref="ZoneIndex"/> (one dictionary probe, one copy, no allocation); everything else is answered
/// from the forwarding cache, or admitted by <see cref="ForwardAdmission"/> to <see cref="ForwardAsync"/>,
/// or refused. Thread-safe: the index is swapped atomically on catalog changes.
/// </summary>
internal sealed class DnsQueryHandler
{
    /// <summary>Response buffers must hold this many bytes.</summary>
    public const int ResponseBufferSize = DnsLimits.MaxMessageLength;

    private readonly DnsMetrics _metrics;
    private readonly TimeProvider _time;
    private ZoneIndex _zone;

    public DnsQueryHandler(ZoneIndex zone, UpstreamForwarder forwarder, ForwardAdmission admission, DnsMetrics metrics, TimeProvider time)
    {
        _zone = zone;
        Forwarder = forwarder;
        Admission = admission;
        _metrics = metrics;
        _time = time;
    }

    /// <summary>Bounds the upstream exchanges in flight, node-wide and per client.</summary>
    public ForwardAdmission Admission { get; }

    /// <summary>The index answers come from; replaced whole when the catalog changes.</summary>
    public ZoneIndex Zone
    {
        get => Volatile.Read(ref _zone);
        set => Volatile.Write(ref _zone, value);
    }

    /// <summary>Where non-cluster names go.</summary>
    public UpstreamForwarder Forwarder { get; }

    /// <summary>
    /// Answers locally when possible (the zone, then the forwarding cache). Returns
    /// <see cref="QueryResult.Upstream"/> with <paramref name="length"/> 0 when the query was admitted for
    /// an upstream exchange: the caller must then call <see cref="ForwardAsync"/> with <paramref name="query"/>
    /// (which gives the slot back). <see cref="QueryResult.Limited"/> comes with a REFUSED response;
    /// <see cref="QueryResult.Dropped"/> with nothing to send. Records metrics for every result except
    /// <see cref="QueryResult.Upstream"/>.
    /// </summary>
    /// <param name="client">The client's socket address (its IP is rate limited), or null for an in-process caller.</param>
    public QueryResult Handle(ReadOnlySpan<byte> request, Span<byte> response, bool udp, long startTimestamp, SocketAddress? client, out int length, out DnsQuery query)
    {
        var result = Answer(request, response, udp, out length, out query);
        if (result == QueryResult.Forwarded)
        {
            var maxSize = udp ? query.MaxUdpResponse : DnsLimits.MaxMessageLength;
            if (Forwarder.TryAnswerFromCache(query, response, maxSize, out length)) { }
            else if (Admission.TryEnter(client is null ? null : AddressOf(client)))
            {
                return QueryResult.Upstream;
            }
            else
            {
                length = QueryResponder.WriteError(query, response, DnsRcode.Refused);
                result = QueryResult.Limited;
            }
        }
        _metrics.Record(result, udp ? "udp" : "tcp", _time.GetElapsedTime(startTimestamp));
        return result;
    }

    /// <summary>Forwards a query that <see cref="Handle"/> admitted, records its metrics and gives its slot back.</summary>
    public async ValueTask<(int Length, QueryResult Result)> ForwardAsync(DnsQuery query, Memory<byte> response, bool udp, long startTimestamp, CancellationToken cancellationToken)
    {
        try
        {
            var maxSize = udp ? query.MaxUdpResponse : DnsLimits.MaxMessageLength;
            var outcome = await Forwarder.ForwardAsync(query, response, maxSize, cancellationToken).ConfigureAwait(false);
            var result = outcome.Failed ? QueryResult.ServFail : QueryResult.Forwarded;
            _metrics.Record(result, udp ? "udp" : "tcp", _time.GetElapsedTime(startTimestamp));
            return (outcome.Length, result);
        }
        finally
        {
            Admission.Exit();
        }
    }

    private static IPAddress AddressOf(SocketAddress client) =>
        ((IPEndPoint)new IPEndPoint(client.Family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0).Create(client)).Address;

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
