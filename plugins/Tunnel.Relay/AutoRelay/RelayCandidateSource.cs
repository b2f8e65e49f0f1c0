using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Discovery;
using PluginMesh.P2p;
using PluginMesh.Plugins.Tunnel.Relay.Client;
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
        var found = new Dictionary<PeerId, CandidateInfo>();
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
        return [.. found.Values];

        void Add(Multiaddr address, string source, IReadOnlyDictionary<string, string> labels)
        {
            if (!CircuitAddressRelay.TryParse(address, out var relay) || relay!.PeerId == self) return;
            // First address wins per peer: configured before directory before API before LAN; the load is the record's whatever the source.
            if (found.ContainsKey(relay.PeerId)) return;
            var facts = RelayFacts.Of(directory?.ResolvePeer(relay.PeerId));
            var load = facts is not null && facts.TryGetValue(RelayFacts.Load, out var l) && double.IsFinite(l) ? Math.Clamp(l, 0, 1) : 0;
            found[relay.PeerId] = new CandidateInfo(relay, source, labels, load);
        }
    }

    /// <summary>The address with the peer's <c>/p2p/</c> appended when it names no peer at all.</summary>
    private static Multiaddr WithPeer(Multiaddr addr, PeerId peerId) =>
        addr.Components.Any(c => ReferenceEquals(c.Protocol, MultiaddrProtocol.P2p)) ? addr : addr.Encapsulate(MultiaddrComponent.Of(peerId));
}
