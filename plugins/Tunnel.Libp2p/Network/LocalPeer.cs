namespace PluginMesh.Plugins.Tunnel.Libp2p.Network;

/// <summary>
/// <see cref="ILocalPeer"/> over the node service: the identity is read (or created) on first use,
/// addresses come from the running host plus the announced ones, offers from the plugins that set them.
/// </summary>
public sealed class LocalPeer : ILocalPeer
{
    private readonly Libp2pNodeService _node;
    private readonly Lock _offersLock = new();
    private IReadOnlyList<ServiceOffer> _offers = [];

    internal LocalPeer(Libp2pNodeService node)
    {
        _node = node;
        node.Announced.Changed += RaiseChanged;
        // Listen addresses appear when the host starts; later changes come from announcements.
        node.Started += _ => RaiseChanged();
    }

    public PeerId PeerId => _node.Identity.PeerId;

    /// <summary>
    /// Direct addresses of the running host first (none before start), then announced ones; each with
    /// /p2p/&lt;id&gt;. Only those another node could dial (<see cref="Multiaddr.ForOthers"/>, direct and relayed
    /// apart): a listener
    /// on 0.0.0.0 also yields 127.0.0.1 and the agent's 169.254.96.16, which every consumer (hop
    /// reservations, directory records, mDNS, Node annotations) would otherwise hand to peers. Nor an
    /// address inside a node's pod CIDR (<see cref="ClusterRanges"/>: the CNI bridge's gateway), which
    /// other nodes cannot reach: a peer dialing it waits out a connect timeout each time.
    /// </summary>
    public IReadOnlyList<Multiaddr> Addresses
    {
        get
        {
            var id = _node.Identity.PeerId;
            var direct = _node.Host?.DirectAddresses ?? [];
            var pods = _node.ClusterRanges;
            var all = direct.Concat(_node.Announced.All).Where(a => !pods.Contains(a)).Select(a => a.PeerId == id ? a : a.WithPeerId(id)).Distinct().ToList();
            // Direct and relayed apart: a loopback-only host (tests) keeps its 127.0.0.1 beside a public circuit.
            return [.. Multiaddr.ForOthers(all.Where(a => !a.IsRelayed)), .. Multiaddr.ForOthers(all.Where(a => a.IsRelayed))];
        }
    }

    public event Action? AddressesChanged;

    public IReadOnlyList<ServiceOffer> Offers => Volatile.Read(ref _offers);

    public event Action? OffersChanged;

    public void SetOffer(ServiceOffer offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        lock (_offersLock)
        {
            if (_offers.Contains(offer)) return;
            Volatile.Write(ref _offers, [.. _offers.Where(o => o.Service != offer.Service), offer]);
        }
        OffersChanged?.Invoke();
    }

    public void WithdrawOffer(string service)
    {
        lock (_offersLock)
        {
            if (_offers.All(o => o.Service != service)) return;
            Volatile.Write(ref _offers, [.. _offers.Where(o => o.Service != service)]);
        }
        OffersChanged?.Invoke();
    }

    public PublicKey PublicKey => _node.Identity.PublicKey;

    public byte[] Sign(ReadOnlySpan<byte> data) => _node.Identity.Sign(data);

    internal void RaiseChanged() => AddressesChanged?.Invoke();

    private IReadOnlyList<Multiaddr>? _beforeRanges;

    /// <summary>The cluster's pod CIDRs changed: raises <see cref="AddressesChanged"/> only when that changed what we advertise.</summary>
    internal void RangesChanged()
    {
        var now = Addresses;
        var before = Interlocked.Exchange(ref _beforeRanges, now);
        if (before is null || !before.SequenceEqual(now)) RaiseChanged();
    }

    /// <summary>What <see cref="RangesChanged"/> compares with: the addresses when the host started.</summary>
    internal void RememberAddresses() => Volatile.Write(ref _beforeRanges, Addresses);
}
