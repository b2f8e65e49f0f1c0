namespace PluginMesh.Plugins.Tunnel.Libp2p.Cli.Daemon;

/// <summary>Control-protocol responses and the StreamInfo header of a handler callback.</summary>
internal static class DaemonResponse
{
    private const ulong Ok = 0;
    private const ulong Error = 1;

    public static byte[] Failure(string message)
    {
        var error = new ProtoWriter();
        error.WriteStringField(1, message);
        var w = new ProtoWriter();
        w.WriteVarintField(1, Error);
        w.WriteBytesField(2, error.WrittenSpan);
        return w.ToArray();
    }

    public static byte[] Success() => Start().ToArray();

    public static byte[] Identify(PeerId id, IEnumerable<Multiaddr> addresses)
    {
        var w = Start();
        w.WriteBytesField(4, PeerInfo(id, addresses));
        return w.ToArray();
    }

    public static byte[] Peers(IEnumerable<(PeerId Id, Multiaddr Address)> peers)
    {
        var w = Start();
        foreach (var (id, address) in peers) w.WriteBytesField(6, PeerInfo(id, [address]));
        return w.ToArray();
    }

    public static byte[] StreamOpened(PeerId peer, Multiaddr address, string protocol)
    {
        var w = Start();
        w.WriteBytesField(3, StreamInfo(peer, address, protocol));
        return w.ToArray();
    }

    /// <summary>The <c>StreamInfo</c> message (peer, remote address, protocol): a STREAM_OPEN answer's part and a callback's header.</summary>
    public static byte[] StreamInfo(PeerId peer, Multiaddr address, string protocol)
    {
        var w = new ProtoWriter();
        w.WriteBytesField(1, peer.Multihash);
        w.WriteBytesField(2, address.ToBytes());
        w.WriteStringField(3, protocol);
        return w.ToArray();
    }

    private static ProtoWriter Start()
    {
        var w = new ProtoWriter();
        // The type is always written: OK is 0, and a proto3 reader without it sees no type at all.
        w.WriteVarintField(1, Ok);
        return w;
    }

    private static byte[] PeerInfo(PeerId id, IEnumerable<Multiaddr> addresses)
    {
        var w = new ProtoWriter();
        w.WriteBytesField(1, id.Multihash);
        foreach (var a in addresses) w.WriteBytesField(2, a.ToBytes());
        return w.ToArray();
    }
}
