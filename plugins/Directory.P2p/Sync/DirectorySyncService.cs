using System.Collections.Concurrent;
using System.Threading.Channels;
using PluginMesh.Abstractions.Tunnel;

namespace PluginMesh.Plugins.Directory.P2p.Sync;

/// <summary>
/// Spreads records: loads the cache, publishes this node's record (at start, at half-life, on every
/// address change), pushes each accepted record to connected peers, runs anti-entropy with every
/// connected peer each interval and with each peer as it connects, and serves the protocol.
/// Every tunnel piece is optional: without them the directory still answers from the cache.
/// </summary>
internal sealed class DirectorySyncService(RecordStore store, DirectoryOptions options, string nodeName, ILocalPeer? local, IMeshTunnel? tunnel, IPeerNetwork? network,
    SyncTracker tracker, TimeProvider time, ILogger logger, Api.ApiView? api = null, Liveness.NodeLiveness? liveness = null) : IHostedService, IAsyncDisposable
{
    /// <summary>How long a stream closed for malformed input may take to drain before it is reset.</summary>
    private static readonly TimeSpan ErrorGrace = TimeSpan.FromSeconds(2);

    /// <summary>Period of housekeeping: the API's bindings and reachability, our record when due, pruning.</summary>
    internal static readonly TimeSpan HousekeepingInterval = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan PruneInterval = TimeSpan.FromMinutes(1);

    /// <summary>Connected peers below which the agent dials peers the API binds (<see cref="Bootstrap"/>).</summary>
    internal const int BootstrapPeers = 2;

    /// <summary>Bootstrap exchanges started per housekeeping round at most.</summary>
    private const int BootstrapPerRound = 2;

    /// <summary>A bound peer is dialled for bootstrap at most once per this long.</summary>
    internal static readonly TimeSpan BootstrapRetry = TimeSpan.FromSeconds(10);

    private readonly SyncExchange _exchange = new(store);
    private readonly LocalRecordPublisher? _publisher = local is null ? null : new LocalRecordPublisher(store, local, options, nodeName, time, logger, network);
    private readonly Channel<(SignedNodeRecord Record, string Source)> _outbox = Channel.CreateUnbounded<(SignedNodeRecord, string)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, byte> _inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _bootstrapTried = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private IDisposable[] _registrations = [];
    private Task _loops = Task.CompletedTask;
    private int _started;
    private int _stopped;


    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) return;
        store.LoadFromCache();
        // Bindings before anything is received: a gossiped claim must meet the API's view, not precede it.
        if (api is not null) await api.RefreshAsync(force: true, cancellationToken).ConfigureAwait(false);
        liveness?.Start();
        store.Accepted += OnAccepted;
        if (tunnel is not null) _registrations = [tunnel.RegisterHandler(DirectoryProtocol.ProtocolId, HandleAsync), tunnel.RegisterHandler(DirectoryProtocol.ProtocolIdV1, HandleAsync)];
        if (_publisher is not null)
        {
            // Subscribed first so that a change during the first publication is not missed.
            local!.AddressesChanged += OnLocalChanged;
            local.OffersChanged += OnLocalChanged;
            if (network is not null) network.ReachabilityChanged += OnReachabilityChanged;
            await _publisher.PublishAsync(force: true, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            DirectoryLog.NoIdentity(logger);
        }
        if (network is not null) network.PeerConnected += OnPeerConnected;
        var token = _stopping.Token;
        _loops = Task.WhenAll(Task.Run(() => PushLoopAsync(token), CancellationToken.None), Task.Run(() => SyncLoopAsync(token), CancellationToken.None),
            Task.Run(() => HousekeepingLoopAsync(token), CancellationToken.None), Task.Run(() => LivenessLoopAsync(token), CancellationToken.None));
        // Peers already connected before we started get their exchange now rather than in one interval.
        foreach (var peer in ConnectedPeers()) _ = Task.Run(() => ExchangeAsync(peer, token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Idempotent and safe after a partial start: the host stops, then the container disposes.
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        store.Accepted -= OnAccepted;
        liveness?.Dispose();
        if (local is not null)
        {
            local.AddressesChanged -= OnLocalChanged;
            local.OffersChanged -= OnLocalChanged;
        }
        if (network is not null && _publisher is not null) network.ReachabilityChanged -= OnReachabilityChanged;
        if (network is not null) network.PeerConnected -= OnPeerConnected;
        foreach (var registration in Interlocked.Exchange(ref _registrations, [])) registration.Dispose();
        await _stopping.CancelAsync().ConfigureAwait(false);
        _outbox.Writer.TryComplete();
        try
        {
            await _loops.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the loops end on the cancelled token.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>Runs one anti-entropy exchange with <paramref name="peerId"/> now (skipped when one is already running).</summary>
    public Task<bool> ExchangeAsync(string peerId, CancellationToken cancellationToken) => ExchangeAsync(peerId, "exchange", cancellationToken);

    /// <summary>
    /// Bootstrap from the cluster: while fewer than <see cref="BootstrapPeers"/> peers are connected,
    /// starts an exchange with up to <see cref="BootstrapPerRound"/> peers that the API binds (their
    /// Node's annotations give PeerId and addresses) and that are not connected — relays first, then
    /// peers with a public address, otherwise in random order — each at most once per
    /// <see cref="BootstrapRetry"/>. The exchange's dial is the connection: without one, an agent
    /// with no LAN neighbour (mDNS) never meets a first peer, and gossip, AutoNAT, the relay election
    /// and autorelay all start from connections. Returns the PeerIds dialled.
    /// </summary>
    internal IReadOnlyList<string> Bootstrap(CancellationToken cancellationToken)
    {
        if (tunnel is null || network is null || api is null) return [];
        var connected = ConnectedPeers();
        if (connected.Count >= BootstrapPeers) return [];
        var now = time.GetUtcNow();
        var self = tunnel.LocalPeerId.ToString();
        var picks = store.Bindings
            .Select(b => (Binding: b, Peer: b.PeerId.ToString()))
            .Where(x => x.Binding.Addresses.Count > 0 && x.Peer != self && !connected.Contains(x.Peer) && !_inFlight.ContainsKey(x.Peer)
                && (!_bootstrapTried.TryGetValue(x.Peer, out var tried) || now - tried >= BootstrapRetry))
            .OrderByDescending(x => x.Binding.OffersRelay)
            .ThenByDescending(x => x.Binding.Addresses.Any(a => !a.IsPrivate && !a.IsRelayed))
            .ThenBy(_ => Random.Shared.Next())
            .Take(BootstrapPerRound)
            .ToList();
        foreach (var (binding, peer) in picks)
        {
            _bootstrapTried[peer] = now;
            DirectoryLog.Bootstrap(logger, connected.Count, binding.NodeName, peer);
            store.Metrics.BootstrapDial();
            _ = Task.Run(() => ExchangeAsync(peer, "bootstrap", cancellationToken), CancellationToken.None);
        }
        return [.. picks.Select(p => p.Peer)];
    }

    private async Task<bool> ExchangeAsync(string peerId, string kind, CancellationToken cancellationToken)
    {
        if (tunnel is null || !_inFlight.TryAdd(peerId, 0)) return false;
        try
        {
            return await WithStreamAsync(peerId, kind, (s, ct) => s.Protocol == DirectoryProtocol.ProtocolIdV1
                ? _exchange.InitiateAsync(s.Stream, s.CloseWriteAsync, peerId, ct)
                : _exchange.ReconcileAsync(s.Stream, s.CloseWriteAsync, peerId, ct), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _inFlight.TryRemove(peerId, out _);
        }
    }

    private void OnAccepted(SignedNodeRecord record, string source) => _outbox.Writer.TryWrite((record, source));

    private void OnReachabilityChanged(Reachability reachability) => OnLocalChanged();

    /// <summary>Addresses, offers or reachability changed: the publisher decides whether that is worth a new signature.</summary>
    private void OnLocalChanged() => _ = Task.Run(async () =>
    {
        try
        {
            await _publisher!.PublishAsync(force: false, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    });

    private void OnPeerConnected(PeerConnection connection)
    {
        var token = _stopping.Token;
        if (!token.IsCancellationRequested) _ = Task.Run(() => ExchangeAsync(connection.PeerId.ToString(), token), CancellationToken.None);
    }

    private async Task PushLoopAsync(CancellationToken cancellationToken)
    {
        var reader = _outbox.Reader;
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var batch = new List<(SignedNodeRecord Record, string Source)>();
                while (batch.Count < 1024 && reader.TryRead(out var item)) batch.Add(item);
                var pushes = ConnectedPeers().Select(peer =>
                {
                    // Never echo a record to the peer it came from or to the peer it describes.
                    var records = batch.Where(b => b.Source != SyncExchange.SourceOf(peer) && b.Record.Record.PeerId.ToString() != peer)
                        .Select(b => b.Record).DistinctBy(r => (r.Record.PeerId, r.Record.Sequence)).ToList();
                    return records.Count == 0 ? Task.CompletedTask : WithStreamAsync(peer, "push", (s, ct) =>
                        _exchange.PushAsync(s.Stream, s.CloseWriteAsync, records, ct), cancellationToken);
                });
                await Task.WhenAll(pushes).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task SyncLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.SyncInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await Task.WhenAll(ConnectedPeers().Select(p => ExchangeAsync(p, cancellationToken))).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>The API's bindings and reachability every few seconds, pruning every minute.</summary>
    private async Task HousekeepingLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(HousekeepingInterval, time);
        var lastPrune = time.GetUtcNow();
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await HousekeepAsync(cancellationToken).ConfigureAwait(false);
                    Bootstrap(cancellationToken);
                    if (time.GetUtcNow() - lastPrune >= PruneInterval)
                    {
                        lastPrune = time.GetUtcNow();
                        await store.PruneAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
                {
                    // A bug in one round must not stop the next: logged, counted by the next round's success.
                    DirectoryLog.HousekeepingFailed(logger, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>One housekeeping round (tests call it directly).</summary>
    internal async Task HousekeepAsync(CancellationToken cancellationToken)
    {
        if (api is not null) await api.RefreshAsync(force: false, cancellationToken).ConfigureAwait(false);
        // Due refreshes and offer facts held back by the rate limit go out from here.
        if (_publisher is not null) await _publisher.PublishAsync(force: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The tolerance window's rounds, in their own loop: probes of silent nodes may take a while.</summary>
    private async Task LivenessLoopAsync(CancellationToken cancellationToken)
    {
        if (liveness is null) return;
        using var timer = new PeriodicTimer(HousekeepingInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await liveness.EvaluateAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
                {
                    DirectoryLog.HousekeepingFailed(logger, "tolerance window: " + e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task HandleAsync(IMeshStream stream, CancellationToken cancellationToken)
    {
        var peer = stream.Remote.PeerId.ToString();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        timeout.CancelAfter(options.ExchangeTimeout);
        try
        {
            var counts = await _exchange.ServeAsync(stream.Stream, stream.CloseWriteAsync, peer, timeout.Token).ConfigureAwait(false);
            tracker.Record(peer, "served", counts);
        }
        catch (FormatException e)
        {
            // Malformed input: say why, then reset; the agent carries on.
            DirectoryLog.ProtocolViolation(logger, peer, e.Message);
            tracker.Record(peer, "served", ExchangeCounts.None, e.Message);
            await CloseWithReasonAsync(stream, e.Message, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            tracker.Record(peer, "served", ExchangeCounts.None, e.Message);
            stream.Reset();
        }
    }

    private async Task<bool> WithStreamAsync(string peerId, string kind, Func<IMeshStream, CancellationToken, Task<ExchangeCounts>> run, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ExchangeTimeout);
        IMeshStream? stream = null;
        try
        {
            var target = new PeerTarget(PeerId: PluginMesh.P2p.PeerId.Parse(peerId));
            var opened = await tunnel!.OpenStreamAsync(target, DirectoryProtocol.ProtocolId, timeout.Token).ConfigureAwait(false);
            // A peer of the former version: the same exchange by digest of everything.
            if (!opened.Ok && opened.Failure == TunnelFailure.ProtocolNotSupported)
                opened = await tunnel.OpenStreamAsync(target, DirectoryProtocol.ProtocolIdV1, timeout.Token).ConfigureAwait(false);
            if (!opened.Ok)
            {
                // Unreachable peers and peers without the protocol.
                DirectoryLog.ExchangeFailed(logger, peerId, opened.Error);
                tracker.Record(peerId, kind, ExchangeCounts.None, opened.Error);
                return false;
            }
            stream = opened.Stream;
            var counts = await run(stream, timeout.Token).ConfigureAwait(false);
            tracker.Record(peerId, kind, counts);
            return true;
        }
        catch (FormatException e)
        {
            DirectoryLog.ProtocolViolation(logger, peerId, e.Message);
            tracker.Record(peerId, kind, ExchangeCounts.None, e.Message);
            if (stream is not null) await CloseWithReasonAsync(stream, e.Message, cancellationToken).ConfigureAwait(false);
            return false;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // A peer that resets the exchange or does not answer in time.
            if (cancellationToken.IsCancellationRequested && e is OperationCanceledException) stream?.Reset();
            else
            {
                DirectoryLog.ExchangeFailed(logger, peerId, e.Message);
                tracker.Record(peerId, kind, ExchangeCounts.None, e.Message);
                stream?.Reset();
            }
            return false;
        }
        finally
        {
            if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends an ERROR frame, half-closes, and waits (bounded) for the remote to close before
    /// resetting: a reset is a control frame and can overtake the queued reason, which the
    /// remote would then never read.
    /// </summary>
    private static async Task CloseWithReasonAsync(IMeshStream stream, string reason, CancellationToken cancellationToken)
    {
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(ErrorGrace);
        await SyncExchange.TrySendErrorAsync(stream.Stream, reason, grace.Token).ConfigureAwait(false);
        try
        {
            await stream.CloseWriteAsync(grace.Token).ConfigureAwait(false);
            var sink = new byte[4096];
            while (await stream.Stream.ReadAsync(sink, grace.Token).ConfigureAwait(false) > 0)
            {
                // Discard whatever the remote still sends until it closes or the grace ends.
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            stream.Reset();
        }
    }

    private List<string> ConnectedPeers()
    {
        if (network is null) return [];
        var self = tunnel?.LocalPeerId ?? local?.PeerId;
        return [.. network.Connections.Select(c => c.PeerId).Where(p => p != self).Distinct().Select(p => p.ToString())];
    }
}
