namespace PluginMesh.Plugins.Tunnel.Relay.Hop;

/// <summary>Active reservations and open circuit counts, under one lock.</summary>
internal sealed class ReservationTable(HopLimits limits, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<PeerId, HopReservation> _reservations = [];
    private readonly Dictionary<PeerId, int> _circuitsPerPeer = [];
    private int _circuits;

    public int Circuits { get { lock (_lock) return _circuits; } }

    public IReadOnlyList<HopReservation> Snapshot()
    {
        lock (_lock)
        {
            Prune();
            return [.. _reservations.Values];
        }
    }

    /// <summary>Adds or refreshes; returns null (refused) when a limit is hit.</summary>
    public HopReservation? TryReserve(PeerId peerId, string? ip, bool member)
    {
        lock (_lock)
        {
            Prune();
            if (limits.MaxReservationsPerPeer <= 0) return null;
            var refresh = _reservations.ContainsKey(peerId);
            if (!refresh)
            {
                if (_reservations.Count >= limits.MaxReservations) return null;
                if (ip is not null && _reservations.Values.Count(r => r.Ip == ip) >= limits.MaxReservationsPerIp) return null;
            }
            var r = new HopReservation(peerId, ip, time.GetUtcNow() + limits.ReservationTtl, member);
            _reservations[peerId] = r;
            return r;
        }
    }

    public HopReservation? Find(PeerId peerId)
    {
        lock (_lock)
        {
            Prune();
            return _reservations.GetValueOrDefault(peerId);
        }
    }

    public void Remove(PeerId peerId)
    {
        lock (_lock) _reservations.Remove(peerId);
    }

    /// <summary>Counts a circuit between two peers; false when a circuit limit is hit.</summary>
    public bool TryOpenCircuit(PeerId source, PeerId target)
    {
        lock (_lock)
        {
            if (_circuits >= limits.MaxCircuits) return false;
            if (_circuitsPerPeer.GetValueOrDefault(source) >= limits.MaxCircuitsPerPeer) return false;
            if (_circuitsPerPeer.GetValueOrDefault(target) >= limits.MaxCircuitsPerPeer) return false;
            _circuits++;
            _circuitsPerPeer[source] = _circuitsPerPeer.GetValueOrDefault(source) + 1;
            _circuitsPerPeer[target] = _circuitsPerPeer.GetValueOrDefault(target) + 1;
            return true;
        }
    }

    public void CloseCircuit(PeerId source, PeerId target)
    {
        lock (_lock)
        {
            _circuits--;
            Decrement(source);
            Decrement(target);
        }
    }

    private void Decrement(PeerId peer)
    {
        var n = _circuitsPerPeer.GetValueOrDefault(peer) - 1;
        if (n <= 0) _circuitsPerPeer.Remove(peer);
        else _circuitsPerPeer[peer] = n;
    }

    private void Prune()
    {
        var now = time.GetUtcNow();
        foreach (var (peer, r) in _reservations.ToArray())
        {
            if (r.Expires <= now) _reservations.Remove(peer);
        }
    }
}
