namespace PluginMesh.Plugins.Tunnel.Relay.AutoRelay;

/// <summary>Gathers relay candidates: configured addresses, directory records with capability <c>relay</c>, discovered LAN peers.</summary>
internal sealed class RelayCandidateSource(IReadOnlyList<Multiaddr> configured, INodeDirectory? directory, IEnumerable<IPeerDiscovery> discoveries, PeerId self)
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    public IReadOnlyList<CandidateInfo> Gather()
    {
        var found = new Dictionary<PeerId, CandidateInfo>();
        foreach (var address in configured) Add(address, "config", NoLabels);
        if (directory is not null)
        {
            foreach (var record in directory.Records)
            {
                if (!record.Capabilities.Contains("relay", StringComparer.Ordinal)) continue;
                foreach (var addr in record.DirectAddresses) Add(WithPeer(addr, record.PeerId), "directory", record.Labels);
                Add(new Multiaddr([MultiaddrComponent.Of(record.PeerId)]), "directory", record.Labels);
            }
        }
        foreach (var discovery in discoveries)
        {
            foreach (var peer in discovery.Peers)
            {
                foreach (var addr in peer.Addresses) Add(WithPeer(addr, peer.PeerId), "mdns", directory?.ResolvePeer(peer.PeerId)?.Labels ?? NoLabels);
            }
        }
        return [.. found.Values];

        void Add(Multiaddr address, string source, IReadOnlyDictionary<string, string> labels)
        {
            if (!CircuitAddressRelay.TryParse(address, out var relay) || relay!.PeerId == self) return;
            // First address wins per peer: configured before directory before LAN.
            found.TryAdd(relay.PeerId, new CandidateInfo(relay, source, labels));
        }
    }

    /// <summary>The address with the peer's <c>/p2p/</c> appended when it names no peer at all.</summary>
    private static Multiaddr WithPeer(Multiaddr addr, PeerId peerId) =>
        addr.Components.Any(c => ReferenceEquals(c.Protocol, MultiaddrProtocol.P2p)) ? addr : addr.Encapsulate(MultiaddrComponent.Of(peerId));
}
