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

    /// <summary>
    /// Adds or refreshes; returns null (refused, <paramref name="refusal"/> says which limit) when a limit is hit.
    /// Outsiders share <see cref="HopLimits.MaxOutsiderReservations"/> slots and at most
    /// <see cref="HopLimits.MaxReservationsPerIp"/> per address block (<paramref name="addressBlock"/>: an IPv4
    /// address or an IPv6 /64), so outsiders with many addresses cannot take the slots members need. Members
    /// are bounded by the total only (many edge nodes share one NAT address).
    /// </summary>
    public HopReservation? TryReserve(PeerId peerId, string? addressBlock, bool member, out string refusal)
    {
        refusal = "";
        lock (_lock)
        {
            Prune();
            if (limits.MaxReservationsPerPeer <= 0)
            {
                refusal = "this relay takes no reservations";
                return null;
            }
            // A refresh keeps its slot unless a member became an outsider (then outsider limits apply).
            var refresh = _reservations.TryGetValue(peerId, out var existing) && (member || !existing.Member);
            if (!refresh)
            {
                var others = _reservations.Values.Where(r => r.PeerId != peerId).ToList();
                if (others.Count >= limits.MaxReservations)
                {
                    refusal = $"reservation limit reached ({limits.MaxReservations})";
                    return null;
                }
                if (!member && others.Count(r => !r.Member) >= limits.MaxOutsiderReservations)
                {
                    refusal = $"outsider reservation limit reached ({limits.MaxOutsiderReservations}); members are PSK holders bound to a node name";
                    return null;
                }
                if (!member && addressBlock is not null && others.Count(r => !r.Member && r.Ip == addressBlock) >= limits.MaxReservationsPerIp)
                {
                    refusal = $"reservation limit per address reached ({limits.MaxReservationsPerIp} from {addressBlock})";
                    return null;
                }
            }
            var r = new HopReservation(peerId, addressBlock, time.GetUtcNow() + limits.ReservationTtl, member);
            _reservations[peerId] = r;
            return r;
        }
    }

    /// <summary>The block an address counts against: the IPv4 address itself, or its IPv6 /64 (one host's usual allocation).</summary>
    public static string AddressBlock(System.Net.IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new System.Net.IPAddress(bytes) + "/64";
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
