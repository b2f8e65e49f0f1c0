namespace PluginMesh.Plugins.Tunnel.Libp2p.Host;

// Connection manager: the per-peer limit, and one direct connection per peer when both dialed at once.
//
// When A dials B while B dials A, each side ends up with two direct connections. Both keep the same
// one: the connection whose dialer (Noise initiator) has the lower PeerId (multihash bytes), and
// between two dialed by the same peer the lower Noise handshake hash, which both ends share. The
// other one is retired: no new streams from us (they go to the survivor), its open streams finish.
// With a PluginMesh peer the survivor's responder, which registers it last and so knows both sides
// have it, sends GoAway on the loser; the dialer answers with its own GoAway. After both GoAways
// neither side opens anything there, so the connection closes once its streams are done and no
// stream can be cut. js-libp2p resets every stream on GoAway, so with other peers the loser is
// closed (GoAway and close) only once nothing is open on it. Relayed connections are left alone:
// a relayed one next to a direct one is the fallback DCUtR leaves behind.
public sealed partial class Libp2pHost
{
    private const string PluginMeshAgentPrefix = "pluginmesh/";

    // Peers asked for an AutoNAT dial-back, with how many asks are open (ExpectDialBack). Under _lock.
    private readonly Dictionary<PeerId, int> _dialBacksExpected = [];

    /// <summary>
    /// Adds an upgraded connection: per-peer limit for inbound ones, duplicate resolution, events,
    /// identify. Returns the connection to use for the peer (this one, or the one it lost to), or
    /// null when an inbound connection was refused by the per-peer limit (it is closed).
    /// </summary>
    private Libp2pConnection? Register(Libp2pConnection connection, bool inbound)
    {
        connection.OpenedAt = _options.TimeProvider.GetUtcNow();
        if (Volatile.Read(ref _disposed) != 0)
        {
            // Upgraded while the host was shutting down: do not leave it running unowned.
            _ = connection.DisposeAsync().AsTask();
            throw new ObjectDisposedException(nameof(Libp2pHost));
        }
        var peer = connection.RemotePeerId;
        List<(Libp2pConnection Loser, Libp2pConnection Survivor)> retired = [];
        var open = 0;
        var refused = false;
        lock (_lock)
        {
            if (!_connections.TryGetValue(peer, out var list)) _connections[peer] = list = [];
            open = list.Count(c => !c.IsClosed);
            // Counted after the handshake, the only point the peer is known; our own dials are bounded by dial sharing.
            if (inbound && open >= _options.MaxConnectionsPerPeer) refused = true;
            else
            {
                if (inbound && _dialBacksExpected.ContainsKey(peer)) connection.DialBack = true;
                list.Add(connection);
                retired = ReconcileLocked(list);
            }
        }
        if (refused)
        {
            _metrics.ConnectionRefused(perPeer: true);
            HostLog.PeerConnectionLimit(_logger, peer.ToString(), connection.RemoteAddress.ToString(), _options.MaxConnectionsPerPeer);
            _ = connection.DisposeAsync().AsTask();
            return null;
        }
        HostLog.Connected(_logger, connection.IsInitiator ? "to" : "from", peer.ToString(), connection.RemoteAddress.ToString());
        _metrics.ConnectionOpened(connection.IsInitiator);
        connection.Session.StreamRejected += _metrics.StreamRejected;
        connection.Session.RemoteGoingAway += () => OnRemoteGoingAway(connection);
        _ = connection.Session.Completion.ContinueWith(_ => Unregister(connection), TaskScheduler.Default);
        ConnectionOpened?.Invoke(connection);
        foreach (var (loser, survivor) in retired) Retire(loser, survivor);
        _ = Task.Run(() => IdentifyRemoteAsync(connection));
        return connection.ReplacedBy ?? connection;
    }

    private void Unregister(Libp2pConnection connection)
    {
        List<(Libp2pConnection Loser, Libp2pConnection Survivor)> retired = [];
        List<Libp2pConnection> resumed = [];
        lock (_lock)
        {
            if (_connections.TryGetValue(connection.RemotePeerId, out var list))
            {
                list.Remove(connection);
                // Retired in favour of this one: take them back while nothing went on the wire (the peer
                // may never have had this connection), else leave them draining and choose again.
                foreach (var c in list.Where(c => c.ReplacedBy == connection))
                {
                    c.ReplacedBy = null;
                    if (c.Session.TryResumeOpening()) resumed.Add(c);
                }
                retired = ReconcileLocked(list);
                if (list.Count == 0) _connections.Remove(connection.RemotePeerId);
            }
            _idleSince.Remove(connection);
        }
        connection.CompleteIdentify(null);
        _metrics.ConnectionClosed();
        if (connection.Session.ClosedSilent)
        {
            Interlocked.Increment(ref _silentClosed);
            _metrics.SilentClosed();
        }
        HostLog.Disconnected(_logger, connection.RemotePeerId.ToString(), connection.Session.CloseReason ?? "closed");
        foreach (var c in resumed) HostLog.DuplicateResumed(_logger, c.RemotePeerId.ToString(), c.RemoteAddress.ToString());
        foreach (var (loser, survivor) in retired) Retire(loser, survivor);
        ConnectionClosed?.Invoke(connection);
    }

    /// <summary>Retires every direct connection to the peer but the preferred one; returns what to retire. Under <c>_lock</c>.</summary>
    private List<(Libp2pConnection Loser, Libp2pConnection Survivor)> ReconcileLocked(List<Libp2pConnection> list)
    {
        var direct = list.Where(c => !c.IsClosed && c.Path != PathKind.Relayed && c.ReplacedBy is null && !c.DialBack).ToList();
        if (direct.Count < 2) return [];
        Libp2pConnection? survivor = null;
        foreach (var c in direct)
        {
            // One the peer or we already stopped using cannot carry new streams, so it cannot win.
            if (c.Session.IsDraining || c.Session.IsRemoteGoingAway) continue;
            if (survivor is null || CompareForSurvival(c, survivor) < 0) survivor = c;
        }
        if (survivor is null) return [];
        var retired = new List<(Libp2pConnection, Libp2pConnection)>();
        foreach (var c in direct)
        {
            if (c == survivor) continue;
            // Both at once, under the lock: nobody can see it replaced and still open a stream on it.
            c.Session.StopOpening();
            c.ReplacedBy = survivor;
            retired.Add((c, survivor));
        }
        return retired;
    }

    /// <summary>Negative when <paramref name="a"/> should survive rather than <paramref name="b"/>; both peers compute the same order.</summary>
    private int CompareForSurvival(Libp2pConnection a, Libp2pConnection b)
    {
        var byDialer = Dialer(a).Multihash.SequenceCompareTo(Dialer(b).Multihash);
        return byDialer != 0 ? byDialer : a.HandshakeHash.AsSpan().SequenceCompareTo(b.HandshakeHash);
    }

    private PeerId Dialer(Libp2pConnection c) => c.IsInitiator ? PeerId : c.RemotePeerId;

    private void Retire(Libp2pConnection loser, Libp2pConnection survivor)
    {
        _metrics.DuplicateRetired();
        HostLog.DuplicateRetired(_logger, loser.RemotePeerId.ToString(), loser.RemoteAddress.ToString(), survivor.RemoteAddress.ToString());
        _ = Task.Run(() => DrainRetiredAsync(loser, survivor));
    }

    private async Task DrainRetiredAsync(Libp2pConnection loser, Libp2pConnection survivor)
    {
        if (loser.Session.IsRemoteGoingAway)
        {
            await loser.Session.DrainAsync().ConfigureAwait(false);
            return;
        }
        await Task.WhenAll(loser.IdentifyTask, survivor.IdentifyTask).ConfigureAwait(false);
        if (loser.ReplacedBy != survivor || loser.IsClosed) return; // resumed or re-chosen meanwhile
        var agent = loser.RemoteIdentify?.AgentVersion ?? survivor.RemoteIdentify?.AgentVersion;
        if (agent?.StartsWith(PluginMeshAgentPrefix, StringComparison.Ordinal) != true)
        {
            loser.Session.CloseWhenIdle();
            return;
        }
        // The dialer of the survivor waits for the peer's GoAway and answers it (OnRemoteGoingAway).
        if (!survivor.IsInitiator) await loser.Session.DrainAsync().ConfigureAwait(false);
    }

    /// <summary>On the read loop: the peer sent GoAway(normal) on <paramref name="connection"/>.</summary>
    private void OnRemoteGoingAway(Libp2pConnection connection)
    {
        if (connection.ReplacedBy is not null)
        {
            // The peer retired it as we did: answering completes the drain.
            _ = Task.Run(connection.Session.DrainAsync);
            return;
        }
        // Maybe a duplicate we have not noticed yet; if not, it is simply no longer offered for new streams.
        List<(Libp2pConnection Loser, Libp2pConnection Survivor)> retired;
        lock (_lock) retired = _connections.TryGetValue(connection.RemotePeerId, out var list) ? ReconcileLocked(list) : [];
        foreach (var (loser, survivor) in retired) Retire(loser, survivor);
    }

    /// <summary>
    /// The AutoNAT client is asking <paramref name="server"/> to dial it back: until the result is
    /// disposed (the answer came), an inbound connection from that peer is taken for the dial-back —
    /// which the server closes as soon as it is up — and neither replaces a connection in use nor gets
    /// streams of ours. Without this, a dial-back whose dialer sorts first won the choice between
    /// duplicates, the connection in use stopped taking streams, and streams opened in the few
    /// milliseconds before the server closed the dial-back were reset. A connection still open when
    /// the window ends is an ordinary one and is reconciled then.
    /// </summary>
    internal IDisposable ExpectDialBack(PeerId server)
    {
        lock (_lock) _dialBacksExpected[server] = _dialBacksExpected.GetValueOrDefault(server) + 1;
        return new DialBackWindow(this, server);
    }

    private void EndDialBack(PeerId server)
    {
        List<(Libp2pConnection Loser, Libp2pConnection Survivor)> retired = [];
        lock (_lock)
        {
            var left = _dialBacksExpected.GetValueOrDefault(server) - 1;
            if (left > 0)
            {
                _dialBacksExpected[server] = left;
                return;
            }
            _dialBacksExpected.Remove(server);
            if (_connections.TryGetValue(server, out var list))
            {
                var stayed = false;
                foreach (var c in list.Where(c => c.DialBack))
                {
                    c.DialBack = false;
                    stayed |= !c.IsClosed;
                }
                if (stayed) retired = ReconcileLocked(list);
            }
        }
        foreach (var (loser, survivor) in retired) Retire(loser, survivor);
    }

    private sealed class DialBackWindow(Libp2pHost host, PeerId server) : IDisposable
    {
        private int _ended;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0) host.EndDialBack(server);
        }
    }

    private Libp2pConnection? FindConnection(PeerId peer) =>
        _connections.TryGetValue(peer, out var list)
            ? list.Where(c => !c.IsClosed && c.ReplacedBy is null && !c.DialBack && !c.Session.IsDraining && !c.Session.IsRemoteGoingAway)
                .OrderBy(c => c.Path == PathKind.Relayed ? 1 : 0).FirstOrDefault()
            : null;
}
