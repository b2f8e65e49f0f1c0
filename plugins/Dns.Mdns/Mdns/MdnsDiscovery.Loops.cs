using PluginMesh.Abstractions.Discovery;

namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>The receive loop, the query loop and the expiry sweep.</summary>
internal sealed partial class MdnsDiscovery
{
    private async Task ReceiveLoopAsync(MdnsSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[MdnsLimits.MaxPacket];
        while (!cancellationToken.IsCancellationRequested)
        {
            int length;
            IPEndPoint source;
            int index;
            try
            {
                (length, source, index) = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // ICMP errors and the like surface here on UDP sockets; the socket stays usable.
                MdnsLog.ReceiveFailed(_logger, ex.Message);
                continue;
            }
            var via = socket.Interfaces.FirstOrDefault(i => i.Index == index);
            if (via is null)
            {
                _metrics.Packet("in", "foreign-interface");
                continue;
            }
            Handle(buffer.AsSpan(0, length), source.Address, via);
        }
    }

    /// <summary>Handles one packet that arrived on <paramref name="via"/>; internal so tests can feed packets without sockets.</summary>
    internal void Handle(ReadOnlySpan<byte> packet, IPAddress source, MdnsInterface? via)
    {
        if (!_limiter.TryAcquire(source))
        {
            Drop(MdnsDropReason.RateLimited, source);
            return;
        }
        var read = MdnsMessageReader.Read(packet, _serviceWire);
        switch (read.Kind)
        {
            case MdnsPacketKind.Dropped:
                Drop(read.Reason, source);
                break;
            case MdnsPacketKind.Ignored:
                _metrics.Packet("in", "ignored");
                break;
            case MdnsPacketKind.Query:
                _metrics.Packet("in", "query");
                var response = Volatile.Read(ref _response);
                if (response is not null && via is not null) Send(response, via, "response");
                break;
            case MdnsPacketKind.Announcement:
                OnAnnouncement(read.Announcement!, source);
                break;
        }
    }

    private void OnAnnouncement(MdnsAnnouncement announcement, IPAddress source)
    {
        // Our own multicasts come back when loopback is on: recognise them by name and id.
        var local = Volatile.Read(ref _local);
        if (announcement.PeerName == PeerName || (local is not null && announcement.PeerId == local.PeerId))
        {
            _metrics.Packet("in", "own");
            return;
        }
        _metrics.Packet("in", announcement.Ttl == 0 ? "goodbye" : "announcement");
        var seen = _table.Observe(announcement, _time.GetUtcNow());
        Rearm();
        if (seen.Full) Drop(MdnsDropReason.TableFull, source);
        if (seen.Discovered is { } peer)
        {
            MdnsLog.Peer(_logger, peer.PeerId.ToString(), "discovered", string.Join(" ", peer.Addresses));
            Raise(() => PeerDiscovered?.Invoke(peer));
        }
        if (seen.Expired is { } id)
        {
            MdnsLog.Peer(_logger, id.ToString(), "goodbye", "");
            Raise(() => PeerExpired?.Invoke(id));
        }
    }

    private void Drop(MdnsDropReason reason, IPAddress source)
    {
        _metrics.Dropped(reason);
        _dropLog.Record(reason, source);
    }

    private async Task QueryLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Announce first so peers that are already up learn about us without waiting for their next query.
            var response = Volatile.Read(ref _response);
            if (response is not null) SendAll(response, "announcement");
            while (!cancellationToken.IsCancellationRequested)
            {
                SendAll(_query, "query");
                await Task.Delay(_options.Interval, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Sweep()
    {
        foreach (var id in _table.Expire(_time.GetUtcNow()))
        {
            MdnsLog.Peer(_logger, id.ToString(), "expired", "");
            Raise(() => PeerExpired?.Invoke(id));
        }
        Rearm();
    }

    /// <summary>
    /// Points the expiry timer at the first peer's expiry. A refresh moves that time forward, so
    /// with peers answering every interval the timer never fires; a 1 s poll cost ~0.3 % CPU idle.
    /// </summary>
    private void Rearm()
    {
        var timer = _expiry;
        if (timer is null || Volatile.Read(ref _disposed) != 0) return;
        var next = _table.NextExpiry();
        var due = next is null ? Timeout.InfiniteTimeSpan : next.Value - _time.GetUtcNow();
        if (due != Timeout.InfiniteTimeSpan && due < TimeSpan.Zero) due = TimeSpan.Zero;
        try
        {
            timer.Change(due, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void SendAll(byte[] packet, string result)
    {
        var socket = _socket;
        if (socket is null) return;
        foreach (var via in socket.Interfaces) Send(packet, via, result);
    }

    private void Send(byte[] packet, MdnsInterface via, string result)
    {
        var socket = _socket;
        if (socket is null) return;
        try
        {
            socket.Send(packet, via);
            _metrics.Packet("out", result);
        }
        catch (SocketException ex)
        {
            _metrics.Packet("out", "failed");
            MdnsLog.SendFailed(_logger, via.Name, ex.Message);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void Raise(Action raise)
    {
        try
        {
            raise();
        }
#pragma warning disable CA1031 // a subscriber's bug must not stop discovery (IPeerDiscovery contract)
        catch (Exception ex)
#pragma warning restore CA1031
        {
            MdnsLog.HandlerThrew(_logger, ex);
        }
    }
}
