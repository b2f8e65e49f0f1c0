namespace PluginMesh.Plugins.Tunnel.Libp2p.Mesh;

/// <summary>
/// The ordered paths to one target: the best live connection (direct or hole-punched before
/// relayed), then direct addresses we can expect to reach, then relay circuit addresses (through
/// relays we are connected to first), then the direct addresses we cannot expect to reach (see
/// <see cref="DialRanking"/>); with <see cref="PeerTarget.DirectOnly"/>, no relayed connection and no
/// circuit. <see cref="Unresolved"/> says why there can be none (an unknown node name, no directory for a name).
/// </summary>
internal sealed record PathPlan(PeerId? Peer, string? NodeName, IReadOnlyList<PathCandidate> Candidates, string? Unresolved = null)
{
    /// <param name="ranking">Which direct addresses go after the circuits; null: every direct address before them.</param>
    public static PathPlan Build(PeerTarget target, Libp2pHost host, INodeDirectory? directory, DialRanking? ranking = null)
    {
        var peer = target.PeerId;
        var addresses = new List<Multiaddr>();
        NodeRecord? record = null;
        if (target.NodeName is not null)
        {
            if (directory is null)
                return Fail($"node name '{target.NodeName}' needs a node directory, and no directory plugin is loaded");
            record = directory.Resolve(target.NodeName);
            if (record is null) return Fail($"node '{target.NodeName}' is not in the directory");
            var recordPeer = record.PeerId;
            if (peer is not null && peer != recordPeer) return Fail($"node '{target.NodeName}' is {recordPeer} in the directory, not {peer}");
            peer = recordPeer;
        }
        else if (peer is not null && (target.Addresses is null || target.Addresses.Count == 0))
        {
            record = directory?.ResolvePeer(peer);
        }
        addresses.AddRange(target.Addresses ?? []);
        if (record is not null) addresses.AddRange(record.DirectAddresses.Concat(record.RelayAddresses));

        var direct = new List<Multiaddr>();
        var relayed = new List<Multiaddr>();
        var unlikely = new List<Multiaddr>();
        var seenAs = ranking is null ? [] : host.ObservedIps();
        var ours = OwnEndPoints(host);
        foreach (var given in addresses)
        {
            var addr = given;
            if (peer is not null && addr.PeerId is null) addr = addr.WithPeerId(peer);
            // A peer's loopback or node-local address that is also ours (127.0.0.1:4001, the DNS
            // interface's 169.254.96.16:4001 on every node) can only reach this agent itself.
            if (!addr.IsRelayed && addr.TryGetTcpTarget(out var ip, out var port, out var isIp) && isIp && ours.Contains((ip, port))) continue;
            if (addr.IsRelayed && target.DirectOnly) continue;
            var list = addr.IsRelayed ? relayed : ranking is null || ranking.Likely(addr, seenAs) ? direct : unlikely;
            if (!list.Contains(addr)) list.Add(addr);
        }
        var candidates = new List<PathCandidate>();
        if (peer is not null && host.GetConnection(peer) is { } existing && !(target.DirectOnly && existing.Path == PathKind.Relayed))
            candidates.Add(new PathCandidate(existing, null));
        // Circuits through a relay we are connected to first (stable otherwise): the peer's record may
        // still list circuits through a relay that just died, each a failed dial before the live one.
        var viaConnected = relayed.OrderBy(a => a.RelayPeerId is { } relay && host.GetConnection(relay) is { Path: not PathKind.Relayed } ? 0 : 1);
        candidates.AddRange(direct.Concat(viaConnected).Concat(unlikely).Select(a => new PathCandidate(null, a)));
        return new PathPlan(peer, target.NodeName ?? record?.NodeName, candidates);

        PathPlan Fail(string why) => new(peer, target.NodeName, [], "[tunnel.libp2p] open stream: " + why);
    }

    /// <summary>Our own listen end points (every interface address of a wildcard listener) as (ip text, port).</summary>
    private static HashSet<(string Ip, int Port)> OwnEndPoints(Libp2pHost host)
    {
        var result = new HashSet<(string, int)>();
        foreach (var a in host.DirectAddresses)
        {
            if (a.TryGetTcpTarget(out var ip, out var port, out var isIp) && isIp) result.Add((ip, port));
        }
        return result;
    }
}
