namespace PluginMesh.Plugins.Tunnel.Relay.Hop;

/// <summary>Resource caps of the hop service (config <c>limits</c>).</summary>
public sealed record HopLimits
{
    /// <summary>Active reservations in total.</summary>
    public int MaxReservations { get; init; } = 128;

    /// <summary>
    /// Reservations per peer. A peer holds at most one reservation by nature (a new RESERVE refreshes
    /// it); 0 forbids reserving altogether, which makes a relay that only serves CONNECTs to members.
    /// </summary>
    public int MaxReservationsPerPeer { get; init; } = 1;

    /// <summary>
    /// Active outsider reservations from one IPv4 address or one IPv6 /64 (many PeerIds behind one host, or
    /// many addresses of one IPv6 allocation, are a cheap attack). Members are not limited per address.
    /// </summary>
    public int MaxReservationsPerIp { get; init; } = 4;

    /// <summary>Active outsider reservations in total: what outsiders can take, whatever their addresses, leaving the rest to members.</summary>
    public int MaxOutsiderReservations { get; init; } = 16;

    /// <summary>Open circuits that one peer takes part in, as source or target.</summary>
    public int MaxCircuitsPerPeer { get; init; } = 16;

    /// <summary>Open circuits in total.</summary>
    public int MaxCircuits { get; init; } = 1024;

    /// <summary>How long a reservation lasts; clients refresh before it ends.</summary>
    public TimeSpan ReservationTtl { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Bridge buffer per direction (pooled), rented while data flows (an idle direction reads into
    /// <see cref="CircuitBridge.SmallBufferSize"/>). 64 KiB keeps a yamux window's worth in flight.
    /// </summary>
    public int BufferSize { get; init; } = 64 * 1024;

    /// <summary>Time allowed for the STOP exchange with the target and for reading the first message.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
