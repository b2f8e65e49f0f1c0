namespace PluginMesh.Plugins.Tunnel.Relay.Client;

/// <summary>
/// Reservations this agent holds: reserves, refreshes before expiry, announces the circuit
/// addresses through <see cref="IPeerNetwork.SetAnnouncedAddresses"/>, and reports a reservation
/// it could not refresh through <see cref="Lost"/>. Which relays to use is decided elsewhere (autorelay).
/// </summary>
internal sealed class ReservationManager(IMeshTunnel tunnel, IPeerNetwork? network, TimeProvider time, ILogger logger) : IAsyncDisposable
{
    /// <summary>Announcement source name used with <see cref="IPeerNetwork.SetAnnouncedAddresses"/>.</summary>
    public const string AnnounceSource = "relay";

    private readonly Lock _lock = new();
    private readonly Dictionary<PeerId, (ClientReservation Reservation, CancellationTokenSource Refresh)> _held = [];

    /// <summary>Raised (on a pool thread) when a reservation was dropped because a refresh failed; the argument is the relay PeerId.</summary>
    public event Action<PeerId>? Lost;

    public IReadOnlyList<ClientReservation> Reservations
    {
        get { lock (_lock) return [.. _held.Values.Select(h => h.Reservation)]; }
    }

    public bool Holds(PeerId relayPeerId)
    {
        lock (_lock) return _held.ContainsKey(relayPeerId);
    }

    /// <summary>Reserves on <paramref name="relay"/> and keeps the reservation fresh; throws <see cref="TunnelException"/> on refusal.</summary>
    public async Task<ClientReservation> AddAsync(CircuitAddressRelay relay, CancellationToken cancellationToken)
    {
        var reservation = await HopClient.ReserveAsync(tunnel, relay, cancellationToken).ConfigureAwait(false);
        var refresh = new CancellationTokenSource();
        lock (_lock)
        {
            if (_held.Remove(relay.PeerId, out var old)) old.Refresh.Cancel();
            _held[relay.PeerId] = (reservation, refresh);
        }
        ClientLog.Reserved(logger, relay.PeerId.ToString(), reservation.Expires);
        Announce();
        _ = RefreshLoopAsync(relay, reservation, refresh.Token);
        return reservation;
    }

    /// <summary>Forgets the reservation on <paramref name="relayPeerId"/> (relay gone or no longer wanted).</summary>
    public bool Remove(PeerId relayPeerId)
    {
        bool removed;
        lock (_lock)
        {
            removed = _held.Remove(relayPeerId, out var old);
            if (removed) old.Refresh.Cancel();
        }
        if (removed)
        {
            ClientLog.Dropped(logger, relayPeerId.ToString());
            Announce();
        }
        return removed;
    }

    public ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            foreach (var h in _held.Values) h.Refresh.Cancel();
            _held.Clear();
        }
        Announce();
        return ValueTask.CompletedTask;
    }

    /// <summary>When to refresh: a few minutes before expiry, or half-way for short reservations.</summary>
    internal static TimeSpan RefreshDelay(DateTimeOffset now, DateTimeOffset expires)
    {
        var left = expires - now;
        var margin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(5).Ticks, left.Ticks / 2));
        var delay = left - margin;
        return delay < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : delay;
    }

    private async Task RefreshLoopAsync(CircuitAddressRelay relay, ClientReservation current, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(RefreshDelay(time.GetUtcNow(), current.Expires), time, cancellationToken).ConfigureAwait(false);
                try
                {
                    current = await HopClient.ReserveAsync(tunnel, relay, cancellationToken).ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    ClientLog.ReserveFailed(logger, relay.PeerId.ToString(), e.Message);
                    if (Remove(relay.PeerId)) Lost?.Invoke(relay.PeerId);
                    return;
                }
                lock (_lock)
                {
                    if (!_held.TryGetValue(relay.PeerId, out var h) || h.Refresh.Token != cancellationToken) return;
                    _held[relay.PeerId] = (current, h.Refresh);
                }
                ClientLog.Reserved(logger, relay.PeerId.ToString(), current.Expires);
                Announce();
            }
        }
        catch (OperationCanceledException)
        {
            // Removed or shutting down.
        }
    }

    private void Announce()
    {
        Multiaddr[] addrs;
        lock (_lock) addrs = [.. _held.Values.SelectMany(h => h.Reservation.CircuitAddresses).Distinct()];
        network?.SetAnnouncedAddresses(AnnounceSource, addrs);
    }
}
