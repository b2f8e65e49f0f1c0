using PluginMesh.Abstractions.Catalog;
using PluginMesh.Plugins.Tunnel.Relay.Election;

namespace PluginMesh.Plugins.Tunnel.Relay.AutoRelay;

/// <summary>
/// Gathers relay candidates with no configuration needed: configured addresses, directory records
/// offering <c>relay</c> (the elected relays, with the load they publish), Nodes whose agent says on
/// the API that it offers relaying, and LAN peers (mDNS) known to serve the hop protocol (their record
/// offers it, or a live connection's Identify lists it). A LAN peer that offers nothing is not a
/// candidate: reserving on it would only fail.
/// </summary>
/// <param name="servesHop">Whether a live connection to the peer lists the hop protocol (null: no network to ask).</param>
internal sealed class RelayCandidateSource(IReadOnlyList<Multiaddr> configured, INodeDirectory? directory, IEnumerable<IPeerDiscovery> discoveries, PeerId self,
    IServiceCatalog? catalog = null, Func<PeerId, bool>? servesHop = null)
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    public IReadOnlyList<CandidateInfo> Gather()
    {
        // Per relay, in the order first seen: every address from every source, and where it was first found.
        var found = new Dictionary<PeerId, (List<Multiaddr> Addresses, bool Bare, string Source, IReadOnlyDictionary<string, string> Labels)>();
        var order = new List<PeerId>();
        foreach (var address in configured) Add(address, "config", NoLabels);
        if (directory is not null)
        {
            foreach (var record in directory.Records)
            {
                if (RelayFacts.Of(record) is null) continue;
                foreach (var addr in record.DirectAddresses) Add(WithPeer(addr, record.PeerId), "directory", record.Labels);
                Add(new Multiaddr([MultiaddrComponent.Of(record.PeerId)]), "directory", record.Labels);
            }
        }
        if (catalog is not null)
        {
            foreach (var node in catalog.Current.Nodes.Values)
            {
                if (node.Agent is not { OffersRelay: true } agent) continue;
                foreach (var addr in agent.Addresses.Where(a => !a.IsRelayed)) Add(WithPeer(addr, agent.PeerId), "api", node.Labels ?? NoLabels);
            }
        }
        foreach (var discovery in discoveries)
        {
            foreach (var peer in discovery.Peers)
            {
                var record = directory?.ResolvePeer(peer.PeerId);
                if (RelayFacts.Of(record) is null && servesHop?.Invoke(peer.PeerId) != true) continue;
                foreach (var addr in peer.Addresses) Add(WithPeer(addr, peer.PeerId), "mdns", record?.Labels ?? NoLabels);
            }
        }
        var result = new List<CandidateInfo>();
        foreach (var peerId in order)
        {
            var (addresses, bare, source, labels) = found[peerId];
            // Configured first, then directory, API, LAN; only addresses another node could dial (a relay's
            // record lists 127.0.0.1 first, which the tunnel drops as our own: reserving would fail).
            var dialable = Multiaddr.ForOthers(addresses);
            CircuitAddressRelay relay;
            if (dialable.Count > 0) relay = new CircuitAddressRelay(dialable[0], peerId) { Alternatives = [.. dialable.Skip(1)] };
            else if (bare) relay = new CircuitAddressRelay(new Multiaddr([MultiaddrComponent.Of(peerId)]), peerId);
            else continue;
            var facts = RelayFacts.Of(directory?.ResolvePeer(peerId));
            var load = facts is not null && facts.TryGetValue(RelayFacts.Load, out var l) && double.IsFinite(l) ? Math.Clamp(l, 0, 1) : 0;
            result.Add(new CandidateInfo(relay, source, labels, load));
        }
        return result;

        void Add(Multiaddr address, string source, IReadOnlyDictionary<string, string> labels)
        {
            if (!CircuitAddressRelay.TryParse(address, out var relay) || relay!.PeerId == self) return;
            if (!found.TryGetValue(relay.PeerId, out var entry))
            {
                entry = ([], false, source, labels);
                order.Add(relay.PeerId);
            }
            if (relay.IsBarePeerId) entry.Bare = true;
            else if (!entry.Addresses.Contains(address)) entry.Addresses.Add(address);
            found[relay.PeerId] = entry;
        }
    }

    /// <summary>The address with the peer's <c>/p2p/</c> appended when it names no peer at all.</summary>
    private static Multiaddr WithPeer(Multiaddr addr, PeerId peerId) =>
        addr.Components.Any(c => ReferenceEquals(c.Protocol, MultiaddrProtocol.P2p)) ? addr : addr.Encapsulate(MultiaddrComponent.Of(peerId));
}
