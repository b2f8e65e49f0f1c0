using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Discovery;
using PluginMesh.Plugins.Tunnel.Relay.Client;

namespace PluginMesh.Plugins.Tunnel.Relay.AutoRelay;

/// <summary>Gathers relay candidates: configured addresses, directory records with capability <c>relay</c>, discovered LAN peers.</summary>
internal sealed class RelayCandidateSource(IReadOnlyList<string> configured, INodeDirectory? directory, IEnumerable<IPeerDiscovery> discoveries, string self)
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    public IReadOnlyList<CandidateInfo> Gather()
    {
        var found = new Dictionary<string, CandidateInfo>(StringComparer.Ordinal);
        foreach (var text in configured) Add(text, "config", NoLabels);
        if (directory is not null)
        {
            foreach (var record in directory.Records)
            {
                if (!record.Capabilities.Contains("relay", StringComparer.Ordinal)) continue;
                foreach (var addr in record.DirectAddresses) Add(WithPeer(addr, record.PeerId), "directory", record.Labels);
                Add("/p2p/" + record.PeerId, "directory", record.Labels);
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

        void Add(string text, string source, IReadOnlyDictionary<string, string> labels)
        {
            if (!CircuitAddressRelay.TryParse(text, out var relay) || relay!.PeerId == self) return;
            // First address wins per peer: configured before directory before LAN.
            found.TryAdd(relay.PeerId, new CandidateInfo(relay, source, labels));
        }
    }

    private static string WithPeer(string addr, string peerId) =>
        addr.Contains("/p2p/", StringComparison.Ordinal) ? addr : $"{addr.TrimEnd('/')}/p2p/{peerId}";
}
