namespace PluginMesh.Plugins.Tunnel.Libp2p.AutoNat;

/// <summary>
/// The AutoNAT v1 server: on DIAL, dials the requester back on a new connection and says whether
/// that worked. It only dials the requester's ports on the IP it observes the request from (so it
/// cannot be aimed at a third party), never a private or relayed address, within per-peer and
/// global rate limits. Bad requests are answered E_BAD_REQUEST with the reason, then closed.
/// </summary>
public sealed class AutoNatServer(Libp2pHost host, AutoNatOptions options, ILogger logger, TimeProvider time)
{
    public const string ProtocolId = "/libp2p/autonat/1.0.0";
    private const int MaxDialBacks = 4;
    private readonly RateLimiter _limiter = new(options.PerPeerPerMinute, options.GlobalPerMinute, time);

    public async Task ServeAsync(Libp2pStream s, CancellationToken cancellationToken)
    {
        var (status, text, addr) = await HandleAsync(s, cancellationToken).ConfigureAwait(false);
        AutoNatLog.Answered(logger, s.Connection.RemotePeerId.ToString(), status.ToString(), text);
        await LengthPrefixed.WriteAsync(s.Stream, AutoNatMessage.Response(status, text, addr?.ToBytes()).Encode(), cancellationToken).ConfigureAwait(false);
        await s.Stream.CloseWriteAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<(AutoNatStatus, string, Multiaddr?)> HandleAsync(Libp2pStream s, CancellationToken ct)
    {
        AutoNatMessage request;
        try
        {
            var raw = await LengthPrefixed.ReadAsync(s.Stream, AutoNatMessage.MaxSize, ct).ConfigureAwait(false)
                ?? throw new InvalidDataException("stream ended before a message");
            request = AutoNatMessage.Decode(raw);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or OverflowException)
        {
            return (AutoNatStatus.BadRequest, "malformed message: " + e.Message, null);
        }
        if (request.Type != AutoNatMessage.TypeDial || !request.HasDial) return (AutoNatStatus.BadRequest, "expected a DIAL message", null);
        var peer = s.Connection.RemotePeerId;
        if (request.PeerId is not null && !request.PeerId.AsSpan().SequenceEqual(peer.Multihash)) return (AutoNatStatus.BadRequest, "peer id mismatch", null);
        if (!s.Connection.RemoteAddress.TryGetIp(out var observed)) return (AutoNatStatus.DialRefused, "request came over a relayed connection", null);
        if (options.Ranges.IsPrivate(observed)) return (AutoNatStatus.DialRefused, "observed address is private", null);
        var candidates = Candidates(request, observed);
        if (candidates.Count == 0) return (AutoNatStatus.DialRefused, "no dialable addresses", null);
        if (!_limiter.TryAcquire(peer.ToString())) return (AutoNatStatus.DialRefused, "rate limited", null);
        string? last = null;
        foreach (var candidate in candidates)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.DialBackTimeout);
            try
            {
                var connection = await host.DialTcpAsync(candidate, peer, null, timeout.Token).ConfigureAwait(false);
                await connection.DisposeAsync().ConfigureAwait(false);
                return (AutoNatStatus.Ok, "OK", candidate);
            }
            catch (Exception e) when (MeshFailures.Classify(e) is not null && !ct.IsCancellationRequested)
            {
                last = e.Message;
            }
        }
        return (AutoNatStatus.DialError, "dial back failed: " + last, null);
    }

    /// <summary>The requester's TCP ports on the observed IP (an address on another IP is rewritten, never dialed as is).</summary>
    private static List<Multiaddr> Candidates(AutoNatMessage request, IPAddress observed)
    {
        var result = new List<Multiaddr>();
        foreach (var bytes in request.Addrs)
        {
            Multiaddr addr;
            try
            {
                addr = Multiaddr.FromBytes(bytes);
            }
            catch (FormatException)
            {
                continue;
            }
            if (addr.IsRelayed || !addr.TryGetTcpTarget(out _, out var port, out _) || port == 0) continue;
            var target = Multiaddr.FromEndPoint(new IPEndPoint(observed, port));
            if (!result.Contains(target)) result.Add(target);
            if (result.Count == MaxDialBacks) break;
        }
        return result;
    }
}
