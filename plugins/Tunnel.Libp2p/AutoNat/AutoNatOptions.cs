namespace PluginMesh.Plugins.Tunnel.Libp2p.AutoNat;

/// <summary>The <c>autonat</c> sub-section: client probing and the rate-limited dial-back server.</summary>
public sealed record AutoNatOptions
{
    public bool Enabled { get; init; } = true;

    /// <summary>Time between probe rounds (a round also starts when a peer connects while reachability is unknown).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How many connected peers one round asks.</summary>
    public int PeersPerRound { get; init; } = 3;

    /// <summary>Dial-back requests served per requesting peer per minute.</summary>
    public int PerPeerPerMinute { get; init; } = 3;

    /// <summary>Dial-back requests served in total per minute.</summary>
    public int GlobalPerMinute { get; init; } = 30;

    /// <summary>Limit of one dial-back (TCP connect plus upgrade).</summary>
    public TimeSpan DialBackTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public AddressRanges Ranges { get; init; } = AddressRanges.Default;
}
