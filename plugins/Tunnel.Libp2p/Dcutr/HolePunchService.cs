namespace PluginMesh.Plugins.Tunnel.Libp2p.Dcutr;

/// <summary>
/// DCUtR (/libp2p/dcutr): upgrades a relayed connection to a direct one by TCP simultaneous open.
/// The side that received the relayed connection (B) starts: CONNECT with its addresses, measures
/// the round trip until A's CONNECT, sends SYNC, waits half the round trip and dials; A dials as
/// soon as SYNC arrives. Both dial from their listening port (address and port reuse) so NAT
/// mappings match the announced addresses. B upgrades as the initiator, A as the responder, so the
/// one TCP connection a simultaneous open yields gets consistent roles. The direct connection is
/// marked <see cref="PathKind.HolePunched"/>; the relayed one stays as a fallback.
/// </summary>
public sealed class HolePunchService
{
    public const string ProtocolId = "/libp2p/dcutr";
    private const int DefaultAttempts = 3;
    private const int MaxAttempts = 10;
    private static readonly TimeSpan ExchangeTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DialWindow = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RefusedRetryDelay = TimeSpan.FromMilliseconds(100);
    private readonly Libp2pHost _host;
    private readonly AddressRanges _ranges;
    private readonly Func<IFailoverPolicy?> _policy;
    private readonly HolePunchMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly HashSet<PeerId> _running = [];
    private readonly System.Diagnostics.ActivitySource? _activities;

    /// <param name="activities">Where path changes are traced (<c>pluginmesh.holepunch</c> spans); null: not traced.</param>
    public HolePunchService(Libp2pHost host, AddressRanges ranges, Func<IFailoverPolicy?> policy, System.Diagnostics.Metrics.Meter? meter, ILogger logger, TimeProvider time,
        System.Diagnostics.ActivitySource? activities = null)
    {
        _activities = activities;
        _host = host;
        _ranges = ranges;
        _policy = policy;
        _metrics = new HolePunchMetrics(meter);
        _logger = logger;
        _time = time;
    }

    public long Attempts => _metrics.Attempts;

    public long Successes => _metrics.Successes;

    public long Failures => _metrics.Failures;

    /// <summary>Serves /libp2p/dcutr and starts punching on every relayed connection we received whose peer speaks it.</summary>
    public IDisposable Attach()
    {
        var registration = _host.SetStreamHandler(ProtocolId, ServeAsync);
        _host.ConnectionOpened += OnOpened;
        return new HandlerRegistration(() =>
        {
            _host.ConnectionOpened -= OnOpened;
            registration.Dispose();
        });
    }

    /// <summary>
    /// Runs the protocol as B over <paramref name="relayed"/>, attempts as the failover policy
    /// (<c>holepunch</c>) allows; returns the hole-punched connection, or null after giving up.
    /// </summary>
    public async Task<Libp2pConnection?> PunchAsync(Libp2pConnection relayed, CancellationToken cancellationToken)
    {
        var peer = relayed.RemotePeerId;
        lock (_lock)
        {
            if (!_running.Add(peer)) return null;
        }
        var started = _time.GetTimestamp();
        // A path change (relayed → hole-punched) is traced as one span over every attempt.
        using var span = _activities?.StartActivity("pluginmesh.holepunch");
        span?.SetTag("pluginmesh.peer", peer.ToString());
        span?.SetTag("pluginmesh.relayed_address", relayed.RemoteAddress.ToString());
        try
        {
            for (var attempt = 1; attempt <= MaxAttempts; attempt++)
            {
                _metrics.Attempt();
                span?.SetTag("pluginmesh.attempts", attempt);
                string reason;
                try
                {
                    var direct = await AttemptAsInitiatorAsync(relayed, cancellationToken).ConfigureAwait(false);
                    _metrics.Outcome(success: true);
                    HolePunchLog.Succeeded(_logger, peer.ToString(), direct.RemoteAddress.ToString(), attempt);
                    span?.SetTag("pluginmesh.outcome", "success");
                    span?.SetTag("pluginmesh.path", PathKind.HolePunched.ToText());
                    span?.SetTag("pluginmesh.address", direct.RemoteAddress.ToString());
                    return direct;
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && (MeshFailures.Classify(e) is not null || e is FormatException or InvalidDataException))
                {
                    reason = MeshFailures.Classify(e) is { } f ? MeshFailures.Reason(f) : "other";
                    HolePunchLog.AttemptFailed(_logger, peer.ToString(), attempt, e.Message);
                    span?.AddEvent(new System.Diagnostics.ActivityEvent("attempt.failed", tags: new System.Diagnostics.ActivityTagsCollection
                    {
                        ["pluginmesh.attempt"] = attempt,
                        ["pluginmesh.reason"] = reason,
                    }));
                    if (relayed.IsClosed)
                    {
                        _metrics.Outcome(success: false);
                        HolePunchLog.GaveUp(_logger, peer.ToString(), attempt, "relayed connection closed");
                        GaveUp(span, "relayed connection closed");
                        return null;
                    }
                }
                var decision = Decide(new FailureInput("holepunch", peer.ToString(), reason, attempt, _time.GetElapsedTime(started).TotalMilliseconds, 0));
                if (decision.Action != FailoverAction.Retry)
                {
                    _metrics.Outcome(success: false);
                    HolePunchLog.GaveUp(_logger, peer.ToString(), attempt, reason);
                    GaveUp(span, reason);
                    return null;
                }
                if (decision.DelayMs > 0) await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(decision.DelayMs, 60_000)), _time, cancellationToken).ConfigureAwait(false);
            }
            _metrics.Outcome(success: false);
            HolePunchLog.GaveUp(_logger, peer.ToString(), MaxAttempts, "attempt limit");
            GaveUp(span, "attempt limit");
            return null;
        }
        finally
        {
            lock (_lock) _running.Remove(peer);
        }
    }

    // Giving up is an expected outcome (the relayed path stays), so the span is not an error.
    private static void GaveUp(System.Diagnostics.Activity? span, string reason)
    {
        span?.SetTag("pluginmesh.outcome", "gave-up");
        span?.SetTag("pluginmesh.reason", reason);
        span?.SetTag("pluginmesh.path", PathKind.Relayed.ToText());
    }

    /// <summary>The addresses we tell the peer: direct and announced ones, plus every IP peers observed us on with our listen port (a port-preserving NAT maps the listen port to itself).</summary>
    public IReadOnlyList<Multiaddr> LocalCandidates()
    {
        var result = new List<Multiaddr>();
        result.AddRange(_host.AdvertisedAddresses.Where(a => !a.IsRelayed));
        if (ListenEndPoint() is { } listen)
        {
            foreach (var ip in _host.ObservedIps())
            {
                if (ip.AddressFamily == listen.AddressFamily) result.Add(Multiaddr.FromEndPoint(new IPEndPoint(ip, listen.Port)));
            }
        }
        return [.. result.Distinct()];
    }

    private FailoverDecision Decide(FailureInput input)
    {
        var fallback = new FailoverDecision(input.Attempt < DefaultAttempts ? FailoverAction.Retry : FailoverAction.GiveUp, 0);
        var policy = _policy();
        if (policy is null) return fallback;
        try
        {
            return policy.OnFailure(input);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            HolePunchLog.AttemptFailed(_logger, input.Target, input.Attempt, "failover policy failed: " + e.Message);
            return fallback;
        }
    }

    private void OnOpened(Libp2pConnection connection)
    {
        if (connection.Path != PathKind.Relayed || connection.IsInitiator) return;
        _ = connection.IdentifyTask.ContinueWith(t =>
        {
            if (t.Result?.Protocols.Contains(ProtocolId) != true || connection.IsClosed) return Task.CompletedTask;
            if (_host.GetConnection(connection.RemotePeerId) is { Path: not PathKind.Relayed }) return Task.CompletedTask;
            return PunchAsync(connection, CancellationToken.None);
        }, TaskScheduler.Default).Unwrap();
    }

    private async Task<Libp2pConnection> AttemptAsInitiatorAsync(Libp2pConnection relayed, CancellationToken ct)
    {
        List<Multiaddr> targets;
        TimeSpan rtt;
        using var window = CancellationTokenSource.CreateLinkedTokenSource(ct);
        List<Task<Libp2pConnection>> waits;
        try
        {
            var s = await relayed.OpenStreamAsync(ProtocolId, ct).ConfigureAwait(false);
            await using (s.Stream.ConfigureAwait(false))
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(ExchangeTimeout);
                var start = Stopwatch.GetTimestamp();
                var ours = LocalCandidates();
                await WriteAsync(s.Stream, HolePunchMessage.Connect, ours, timeout.Token).ConfigureAwait(false);
                var connect = await ReadAsync(s.Stream, HolePunchMessage.Connect, timeout.Token).ConfigureAwait(false);
                rtt = Stopwatch.GetElapsedTime(start);
                targets = Dialable(connect);
                LogExchange(relayed.RemotePeerId, ours, connect, targets);
                if (targets.Count == 0) throw new TunnelException(TunnelFailure.Unresolved, $"[tunnel.libp2p] holepunch: {relayed.RemotePeerId} sent no dialable address");
                // Before SYNC: from then on the peer may dial, and its SYN may reach our listener first.
                window.CancelAfter(ExchangeTimeout + DialWindow);
                waits = ExpectPunches(targets, relayed.RemotePeerId, initiator: true, window.Token);
                await WriteAsync(s.Stream, HolePunchMessage.Sync, [], timeout.Token).ConfigureAwait(false);
                await s.Stream.CloseWriteAsync(timeout.Token).ConfigureAwait(false);
            }
            // A dials when SYNC arrives, half a round trip from now: start together.
            await Task.Delay(rtt / 2, _time, ct).ConfigureAwait(false);
            return await SimultaneousDialAsync(targets, relayed.RemotePeerId, initiator: true, window, waits).ConfigureAwait(false);
        }
        finally
        {
            await window.CancelAsync().ConfigureAwait(false);
        }
    }

    private async Task ServeAsync(Libp2pStream s, CancellationToken ct)
    {
        List<Multiaddr> targets;
        using var window = CancellationTokenSource.CreateLinkedTokenSource(ct);
        List<Task<Libp2pConnection>> waits;
        try
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                timeout.CancelAfter(ExchangeTimeout);
                var connect = await ReadAsync(s.Stream, HolePunchMessage.Connect, timeout.Token).ConfigureAwait(false);
                targets = Dialable(connect);
                var ours = LocalCandidates();
                LogExchange(s.Connection.RemotePeerId, ours, connect, targets);
                // Before our CONNECT: the peer dials half a round trip after it, possibly onto our listener.
                window.CancelAfter(ExchangeTimeout + DialWindow);
                waits = ExpectPunches(targets, s.Connection.RemotePeerId, initiator: false, window.Token);
                await WriteAsync(s.Stream, HolePunchMessage.Connect, ours, timeout.Token).ConfigureAwait(false);
                await ReadAsync(s.Stream, HolePunchMessage.Sync, timeout.Token).ConfigureAwait(false);
            }
            if (targets.Count == 0) return;
            await SimultaneousDialAsync(targets, s.Connection.RemotePeerId, initiator: false, window, waits).ConfigureAwait(false);
        }
        catch (Exception e) when (MeshFailures.Classify(e) is not null && !ct.IsCancellationRequested)
        {
            // B decides about retries; our side of this attempt is over.
            HolePunchLog.AttemptFailed(_logger, s.Connection.RemotePeerId.ToString(), 0, e.Message);
        }
        finally
        {
            await window.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Listener waits for the peer's punch from each target (see <see cref="Libp2pHost.AcceptPunchedAsync"/>);
    /// none when we do not listen (our dials then use an ephemeral port, and nothing can land on a listener).
    /// </summary>
    private List<Task<Libp2pConnection>> ExpectPunches(List<Multiaddr> targets, PeerId peer, bool initiator, CancellationToken window)
    {
        var waits = new List<Task<Libp2pConnection>>();
        if (ListenEndPoint() is null) return waits;
        foreach (var t in targets)
        {
            if (t.TryGetTcpTarget(out var host, out var port, out var isIp) && isIp)
                waits.Add(_host.AcceptPunchedAsync(new IPEndPoint(IPAddress.Parse(host), port), peer, initiator, window));
        }
        return waits;
    }

    /// <summary>
    /// Dials every target at once from the listen port, alongside <paramref name="waits"/> for the peer's
    /// dial landing on our listener; the first to upgrade wins, the rest are cancelled with <paramref name="window"/>.
    /// </summary>
    private async Task<Libp2pConnection> SimultaneousDialAsync(List<Multiaddr> targets, PeerId peer, bool initiator, CancellationTokenSource window, List<Task<Libp2pConnection>> waits)
    {
        window.CancelAfter(DialWindow);
        var bindTo = ListenEndPoint();
        var dials = targets.Select(t => DialOneAsync(t, peer, bindTo, initiator, window.Token)).Concat(waits).ToList();
        Exception? last = null;
        while (dials.Count > 0)
        {
            var done = await Task.WhenAny(dials).ConfigureAwait(false);
            dials.Remove(done);
            if (done.IsCompletedSuccessfully)
            {
                await window.CancelAsync().ConfigureAwait(false);
                // Adopt may hand back another direct connection the peer also made (the one both keep).
                var connection = _host.Adopt(done.Result, PathKind.HolePunched);
                foreach (var other in dials) _ = other.ContinueWith(t => t.IsCompletedSuccessfully ? t.Result.DisposeAsync().AsTask() : Task.CompletedTask, TaskScheduler.Default).Unwrap();
                return connection;
            }
            // Keep a dial's own error over the cancellation of a listener wait that ended with the window.
            var error = done.Exception?.InnerException ?? new OperationCanceledException();
            if (last is null or OperationCanceledException) last = error;
        }
        throw last is TunnelException ? last : new TunnelException(MeshFailures.Classify(last!) ?? TunnelFailure.Timeout, $"[tunnel.libp2p] holepunch dial to {peer}: {last!.Message}", last);
    }

    private async Task<Libp2pConnection> DialOneAsync(Multiaddr target, PeerId peer, IPEndPoint? bindTo, bool initiator, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return await _host.DialTcpAsync(target, peer, bindTo, ct, initiator).ConfigureAwait(false);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused && !ct.IsCancellationRequested)
            {
                // A NAT may answer our early SYN with a reset before the peer's SYN opened it: try again from the same port.
                await Task.Delay(RefusedRetryDelay, _time, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The first IPv4 (else any) listen end point; null when not listening (then dials use an ephemeral port).</summary>
    private IPEndPoint? ListenEndPoint()
    {
        var listen = _host.ListenAddresses;
        var chosen = listen.FirstOrDefault(a => a.Components[0].Protocol == MultiaddrProtocol.Ip4) ?? listen.FirstOrDefault();
        if (chosen is null || !chosen.TryGetTcpTarget(out var ip, out var port, out var isIp) || !isIp) return null;
        return new IPEndPoint(IPAddress.Parse(ip), port);
    }

    /// <summary>
    /// TCP addresses worth punching to: not relayed, and not private unless the ranges say so or we are
    /// observed in the same private range ourselves (<see cref="AddressRanges.SharesRealm"/>: both NATs'
    /// outsides on TEST-NET or CGNAT space); DNS names count as public.
    /// </summary>
    private List<Multiaddr> Dialable(HolePunchMessage message)
    {
        var result = new List<Multiaddr>();
        var seenAs = _host.ObservedIps();
        foreach (var bytes in message.ObsAddrs)
        {
            Multiaddr addr;
            try
            {
                addr = Multiaddr.FromBytes(bytes).WithoutPeerId();
            }
            catch (FormatException)
            {
                continue;
            }
            if (addr.IsRelayed || !addr.TryGetTcpTarget(out _, out _, out var isIp)) continue;
            if (isIp && addr.TryGetIp(out var ip) && !_ranges.WorthDialing(ip, seenAs)) continue;
            if (!result.Contains(addr)) result.Add(addr);
        }
        return result;
    }

    private void LogExchange(PeerId peer, IReadOnlyList<Multiaddr> ours, HolePunchMessage theirs, List<Multiaddr> targets)
    {
        if (!_logger.IsEnabled(LogLevel.Debug)) return;
        var their = theirs.ObsAddrs.Select(b =>
        {
            try
            {
                return Multiaddr.FromBytes(b).ToString();
            }
            catch (FormatException)
            {
                return "(malformed)";
            }
        });
        HolePunchLog.Exchanged(_logger, peer.ToString(), string.Join(" ", ours), string.Join(" ", their), string.Join(" ", targets));
    }

    private static Task WriteAsync(Stream stream, int type, IReadOnlyList<Multiaddr> addrs, CancellationToken ct) =>
        LengthPrefixed.WriteAsync(stream, new HolePunchMessage(type, [.. addrs.Select(a => a.ToBytes())]).Encode(), ct).AsTask();

    private static async Task<HolePunchMessage> ReadAsync(Stream stream, int expected, CancellationToken ct)
    {
        var raw = await LengthPrefixed.ReadAsync(stream, HolePunchMessage.MaxSize, ct).ConfigureAwait(false)
            ?? throw new InvalidDataException("dcutr: stream ended before the expected message");
        var message = HolePunchMessage.Decode(raw);
        if (message.Type != expected) throw new InvalidDataException($"dcutr: expected {(expected == HolePunchMessage.Connect ? "CONNECT" : "SYNC")}, got type {message.Type}");
        return message;
    }
}
