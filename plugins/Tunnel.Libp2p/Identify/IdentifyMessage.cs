namespace PluginMesh.Plugins.Tunnel.Libp2p.Identify;

/// <summary>
/// The Identify protobuf (specs: identify/README.md): publicKey=1, listenAddrs=2, protocols=3,
/// observedAddr=4, protocolVersion=5, agentVersion=6 (signedPeerRecord=8 is read past, never sent:
/// js checks one if present, so none is better than a wrong one).
/// </summary>
public sealed record IdentifyMessage
{
    /// <summary>js caps the message at 8 KiB.</summary>
    public const int MaxSize = 8 * 1024;

    public byte[]? PublicKey { get; init; }
    public IReadOnlyList<Multiaddr> ListenAddrs { get; init; } = [];
    public IReadOnlyList<string> Protocols { get; init; } = [];
    public Multiaddr? ObservedAddr { get; init; }
    public string? ProtocolVersion { get; init; }
    public string? AgentVersion { get; init; }

    public byte[] Encode()
    {
        var w = new ProtoWriter(512);
        if (ProtocolVersion is not null) w.WriteStringField(5, ProtocolVersion);
        if (AgentVersion is not null) w.WriteStringField(6, AgentVersion);
        if (PublicKey is not null) w.WriteBytesField(1, PublicKey);
        foreach (var a in ListenAddrs) w.WriteBytesField(2, a.ToBytes());
        if (ObservedAddr is not null) w.WriteBytesField(4, ObservedAddr.ToBytes());
        foreach (var p in Protocols) w.WriteStringField(3, p);
        return w.ToArray();
    }

    /// <summary>
    /// Decodes; throws <see cref="FormatException"/> when the protobuf is broken. Addresses using
    /// protocols we do not know (websockets, quic, …) are skipped, not fatal: peers list them freely.
    /// </summary>
    public static IdentifyMessage Decode(ReadOnlySpan<byte> data)
    {
        var r = new ProtoReader(data);
        byte[]? key = null;
        var addrs = new List<Multiaddr>();
        var protocols = new List<string>();
        Multiaddr? observed = null;
        string? protocolVersion = null, agentVersion = null;
        while (r.Next())
        {
            switch (r.FieldNumber)
            {
                case 1: key = r.ReadBytes().ToArray(); break;
                case 2: if (TryAddr(r.ReadBytes(), out var a)) addrs.Add(a!); break;
                case 3: protocols.Add(r.ReadString()); break;
                case 4: if (TryAddr(r.ReadBytes(), out var o)) observed = o; break;
                case 5: protocolVersion = r.ReadString(); break;
                case 6: agentVersion = r.ReadString(); break;
                default: r.Skip(); break;
            }
        }
        return new IdentifyMessage
        {
            PublicKey = key,
            ListenAddrs = addrs,
            Protocols = protocols,
            ObservedAddr = observed,
            ProtocolVersion = protocolVersion,
            AgentVersion = agentVersion,
        };
    }

    /// <summary>Merges a later message over this one (js may send several; later non-empty fields win).</summary>
    public IdentifyMessage Merge(IdentifyMessage next) => new()
    {
        PublicKey = next.PublicKey ?? PublicKey,
        ListenAddrs = next.ListenAddrs.Count > 0 ? next.ListenAddrs : ListenAddrs,
        Protocols = next.Protocols.Count > 0 ? next.Protocols : Protocols,
        ObservedAddr = next.ObservedAddr ?? ObservedAddr,
        ProtocolVersion = next.ProtocolVersion ?? ProtocolVersion,
        AgentVersion = next.AgentVersion ?? AgentVersion,
    };

    private static bool TryAddr(ReadOnlySpan<byte> bytes, out Multiaddr? addr)
    {
        try
        {
            addr = Multiaddr.FromBytes(bytes);
            return true;
        }
        catch (FormatException)
        {
            addr = null;
            return false;
        }
    }
}
