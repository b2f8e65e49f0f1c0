namespace PluginMesh.Plugins.Tunnel.Libp2p.Mesh;

/// <summary>
/// <see cref="IMeshTunnel"/> over the libp2p host. Path order: the best live connection (direct
/// or hole-punched before relayed), then direct addresses we can expect to reach, then relay
/// circuits, then the other direct addresses (<see cref="PathPlan"/>) — a direct dial that has no answer
/// after <see cref="RelayStagger"/> is raced by the next circuit (<see cref="PathRace"/>); node names and
/// bare PeerIds are resolved through the node directory when one is loaded. Every failure is a
/// value (<see cref="TryPathAsync"/> is where the protocol stack's exceptions become one) that goes to
/// the failover policy (<c>dial</c>), which says next, retry or give up. Each open is traced as a
/// <c>pluginmesh.tunnel.open</c> span: the path that carried it, whether a connection was set up for
/// it, and one <c>path.failed</c> event per path that did not work.
/// </summary>
public sealed class MeshTunnel : IMeshTunnel
{
    // Bounds a policy that keeps answering "retry": the caller sees a failure, never a hang.
    private const int MaxAttempts = 16;
    private readonly Libp2pNodeService _node;
    private readonly IServiceProvider? _services;
    private readonly ActivitySource? _activities;
    private readonly ILogger _logger;
    private readonly DialRanking _ranking;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (MeshStreamHandler Handler, IDisposable? Registration)> _handlers = new(StringComparer.Ordinal);

    /// <param name="services">Where the optional <see cref="INodeDirectory"/> and <see cref="IFailoverPolicy"/> are found (at use, not here).</param>
    /// <param name="activities">The plugin's ActivitySource for connection-setup spans; null: not traced.</param>
    public MeshTunnel(Libp2pNodeService node, IServiceProvider? services = null, ActivitySource? activities = null)
    {
        _node = node;
        _services = services;
        _activities = activities;
        _logger = node.LoggerFactory.CreateLogger("PluginMesh.Tunnel.Libp2p.Mesh");
        _ranking = new DialRanking(node.Options.AutoNat.Ranges, node.ClusterRanges);
        node.Started += AttachAll;
    }

    public PeerId LocalPeerId => _node.Identity.PeerId;

    public async ValueTask<OpenStreamResult> OpenStreamAsync(PeerTarget target, string protocol, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var host = _node.Host;
        if (host is null) return OpenStreamResult.Failed(TunnelFailure.Unresolved, "[tunnel.libp2p] open stream: the libp2p node is not started");
        var plan = PathPlan.Build(target, host, _services?.GetService<INodeDirectory>(), _ranking);
        if (plan.Unresolved is not null) return OpenStreamResult.Failed(TunnelFailure.Unresolved, plan.Unresolved);
        if (plan.Candidates.Count == 0)
            return OpenStreamResult.Failed(TunnelFailure.Unresolved, $"[tunnel.libp2p] open stream: no connection or address for {target}");
        var policy = _services?.GetService<IFailoverPolicy>();
        var started = _node.TimeProvider.GetTimestamp();
        using var span = _activities?.StartActivity("pluginmesh.tunnel.open", ActivityKind.Client);
        span?.SetTag("pluginmesh.target", target.ToString());
        span?.SetTag("pluginmesh.protocol", protocol);
        span?.SetTag("pluginmesh.node", plan.NodeName);
        span?.SetTag("pluginmesh.candidates", plan.Candidates.Count);
        OpenStreamResult? last = null;
        var attempt = 0;
        var index = 0;
        await using var race = new PathRace(host, plan, target, protocol, _node.TimeProvider, cancellationToken);
        while (index < plan.Candidates.Count && attempt < MaxAttempts)
        {
            var (used, opened, connection, reason) = await race.AttemptAsync(index).ConfigureAwait(false);
            if (opened.Ok)
            {
                if (span is not null)
                {
                    span.SetTag("pluginmesh.peer", connection!.RemotePeerId.ToString());
                    span.SetTag("pluginmesh.path", connection.Path.ToText());
                    span.SetTag("pluginmesh.address", connection.RemoteAddress.ToString());
                    span.SetTag("pluginmesh.connection", plan.Candidates[used].Connection is null ? "new" : "existing");
                    span.SetTag("pluginmesh.attempts", attempt + 1);
                    if (used != index) span.SetTag("pluginmesh.raced", plan.Candidates[index].ToString());
                }
                return opened;
            }
            var candidate = plan.Candidates[index];
            last = opened;
            // The peer answered and does not speak the protocol: another path reaches the same peer.
            if (opened.Failure == TunnelFailure.ProtocolNotSupported)
            {
                span?.SetStatus(ActivityStatusCode.Error, opened.Error);
                return opened;
            }
            attempt++;
            var left = plan.Candidates.Count - index - 1;
            var input = new FailureInput("dial", target.ToString(), MeshFailures.Reason(opened.Failure), attempt,
                _node.TimeProvider.GetElapsedTime(started).TotalMilliseconds, left);
            var decision = Decide(policy, input);
            MeshLog.PathFailed(_logger, target.ToString(), candidate.ToString(), reason, decision.Action.ToString());
            span?.AddEvent(new ActivityEvent("path.failed", tags: new ActivityTagsCollection
            {
                ["pluginmesh.candidate"] = candidate.ToString(),
                ["pluginmesh.reason"] = input.Reason,
                ["pluginmesh.decision"] = decision.Action.ToString(),
            }));
            if (decision.Action == FailoverAction.GiveUp) break;
            if (decision.DelayMs > 0)
                await race.DelayAsync(TimeSpan.FromMilliseconds(Math.Min(decision.DelayMs, 60_000))).ConfigureAwait(false);
            if (race.Winner is { } late)
            {
                // A circuit racing the failed path opened its stream during the policy's delay.
                span?.SetTag("pluginmesh.path", late.Connection.Path.ToText());
                span?.SetTag("pluginmesh.attempts", attempt + 1);
                return late.Opened;
            }
            if (decision.Action == FailoverAction.Next) index++;
            // A retry of a live connection that failed would fail again: dial its address instead.
            else if (candidate.Connection is not null) index++;
        }
        var failed = last ?? OpenStreamResult.Failed(TunnelFailure.Unresolved, $"[tunnel.libp2p] open stream: no path to {target}");
        span?.SetStatus(ActivityStatusCode.Error, failed.Error);
        span?.SetTag("pluginmesh.attempts", attempt);
        return failed;
    }

    /// <summary>
    /// How long a direct dial runs alone before the plan's next relay circuit is dialed beside it
    /// (first stream wins, the other dial is cancelled). A LAN or WAN SYN/ACK and a Noise handshake
    /// take far less; an address behind the peer's NAT never answers, and waiting out its whole connect
    /// timeout before trying the relay was the time a request waited after a relay died. go-libp2p's
    /// dial ranker holds relay addresses back by a similar delay while direct ones are tried.
    /// </summary>
    internal static readonly TimeSpan RelayStagger = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// One path: a dial (unless the candidate is a live connection), then the stream on the connection.
    /// The one place where the protocol stack's exceptions (sockets, pnet, Noise, multistream, Yamux,
    /// another transport's refusal) become a <see cref="TunnelFailure"/> value; cancellation of the
    /// caller's token and bugs still throw. <c>Reason</c> is the underlying message, for the log.
    /// </summary>
    internal static async ValueTask<(OpenStreamResult Opened, Libp2pConnection? Connection, string Reason)> TryPathAsync(Libp2pHost host, PathPlan plan, int index, PeerTarget target, string protocol, CancellationToken cancellationToken)
    {
        var candidate = plan.Candidates[index];
        try
        {
            var connection = candidate.Connection ?? await host.DialAsync(candidate.Address!, ConnectTimeout(plan, index), cancellationToken).ConfigureAwait(false);
            return (OpenStreamResult.Opened(await OpenOnAsync(connection, protocol, plan.NodeName, cancellationToken).ConfigureAwait(false)), connection, "");
        }
        catch (Exception e) when (MeshFailures.Classify(e) is { } failure && !cancellationToken.IsCancellationRequested)
        {
            return (OpenStreamResult.Failed(failure, e is TunnelException ? e.Message : $"[tunnel.libp2p] open stream to {target} via {candidate}: {e.Message}"), null, e.Message);
        }
    }

    /// <summary>
    /// The TCP connect bound for candidate <paramref name="index"/>: short for a direct address when the
    /// plan holds a relay circuit, the host's default otherwise. Before the circuits, an address behind the
    /// peer's NAT never answers and the full dial timeout would hold the stream that long before the relay
    /// is tried; after them (<see cref="DialRanking"/> puts unlikely addresses last) the relays have already
    /// failed — the peer's agent is gone or has no reservation — and a request waiting the full timeout on
    /// its LAN address would keep every request to that node's endpoints waiting instead of failing over.
    /// </summary>
    internal static TimeSpan? ConnectTimeout(PathPlan plan, int index)
    {
        var address = plan.Candidates[index].Address;
        if (address is null || address.IsRelayed) return null;
        return plan.Candidates.Any(c => c.Address is { IsRelayed: true }) ? DirectConnectTimeoutWithRelay : null;
    }

    /// <summary>TCP connect bound for a direct address that a relay can stand in for (a LAN or WAN SYN/ACK takes far less).</summary>
    internal static readonly TimeSpan DirectConnectTimeoutWithRelay = TimeSpan.FromSeconds(1);

    /// <summary>The policy's decision; without a policy (or when it fails) the built-in default: next while paths remain.</summary>
    private FailoverDecision Decide(IFailoverPolicy? policy, FailureInput input)
    {
        var fallback = new FailoverDecision(input.Alternatives > 0 ? FailoverAction.Next : FailoverAction.GiveUp, 0);
        if (policy is null) return fallback;
        try
        {
            return policy.OnFailure(input);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The host's policy already falls back on script errors; this guards a broken implementation.
            MeshLog.PolicyFailed(_logger, e.Message);
            return fallback;
        }
    }

    public IDisposable RegisterHandler(string protocol, MeshStreamHandler handler)
    {
        lock (_lock)
        {
            if (_handlers.ContainsKey(protocol)) throw new InvalidOperationException($"[tunnel.libp2p] a handler for {protocol} is already registered");
            _handlers[protocol] = (handler, null);
        }
        if (_node.Host is { } host) Attach(host, protocol);
        return new HandlerRegistration(() => Remove(protocol));
    }

    private static async ValueTask<IMeshStream> OpenOnAsync(Libp2pConnection connection, string protocol, string? nodeName, CancellationToken cancellationToken)
    {
        try
        {
            // A protocol the peer listed in Identify is proposed with the first bytes (no round trip);
            // otherwise negotiated first, so that "not supported" is still an open failure.
            if (connection.RemoteSupports(protocol))
            {
                var (stream, lazy) = await connection.OpenLazyStreamAsync(protocol, cancellationToken).ConfigureAwait(false);
                return new MeshStream(stream, nodeName, lazy);
            }
            return new MeshStream(await connection.OpenStreamAsync(protocol, cancellationToken).ConfigureAwait(false), nodeName);
        }
        catch (Exception e) when (MeshFailures.Classify(e) is { } failure)
        {
            throw new TunnelException(failure, $"[tunnel.libp2p] open {protocol} on {connection}: {e.Message}", e);
        }
    }

    private void AttachAll(Libp2pHost host)
    {
        string[] protocols;
        lock (_lock) protocols = [.. _handlers.Keys];
        foreach (var p in protocols) Attach(host, p);
    }

    private void Attach(Libp2pHost host, string protocol)
    {
        lock (_lock)
        {
            if (!_handlers.TryGetValue(protocol, out var entry) || entry.Registration is not null) return;
            var handler = entry.Handler;
            var registration = host.SetStreamHandler(protocol, async (s, ct) =>
            {
                await using var stream = new MeshStream(s);
                await handler(stream, ct).ConfigureAwait(false);
            });
            _handlers[protocol] = (handler, registration);
        }
    }

    private void Remove(string protocol)
    {
        lock (_lock)
        {
            if (_handlers.Remove(protocol, out var entry)) entry.Registration?.Dispose();
        }
    }
}
