namespace PluginMesh.Plugins.Tunnel.Relay.Plugin;

/// <summary>Hop side: offered or not, what it carries, and the election behind it.</summary>
internal sealed record HopStatus(string Mode, bool Offered, int Reservations, int Circuits, long Bytes, IReadOnlyList<string> ReservedPeers)
{
    /// <summary>The relay election's decision in force and the one waiting out the hysteresis; null when no election runs (<c>relay: never</c>, no local peer).</summary>
    public ElectionStatus? Election { get; init; }

    /// <summary>The <c>members</c> mode in force (<c>bound</c>, <c>psk</c>, <c>all</c>, <c>none</c>).</summary>
    public string Members { get; init; } = "";

    /// <summary>Reservations held by outsiders (the rest are members').</summary>
    public int OutsiderReservations { get; init; }

    /// <summary>Circuits opened under outsider limits that went on under member limits when they reached them.</summary>
    public long UpgradedCircuits { get; init; }
}
