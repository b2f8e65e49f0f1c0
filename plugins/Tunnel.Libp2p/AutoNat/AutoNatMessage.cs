namespace PluginMesh.Plugins.Tunnel.Libp2p.AutoNat;

/// <summary>
/// AutoNAT v1 <c>Message</c> (specs: autonat/autonat-v1.md): <c>type=1</c> (DIAL 0, DIAL_RESPONSE 1),
/// <c>dial=2 { peer=1 { id=1, addrs=2* } }</c>, <c>dialResponse=3 { status=1, statusText=2, addr=3 }</c>.
/// <c>type</c> and <c>status</c> are always written, zero included: js treats a missing proto2
/// field as malformed.
/// </summary>
public sealed record AutoNatMessage
{
    public const int MaxSize = 4096;
    public const int TypeDial = 0;
    public const int TypeDialResponse = 1;

    public int Type { get; init; }

    /// <summary>DIAL: the requester's PeerId multihash.</summary>
    public byte[]? PeerId { get; init; }

    /// <summary>DIAL: the requester's addresses (binary multiaddrs).</summary>
    public IReadOnlyList<byte[]> Addrs { get; init; } = [];

    public bool HasDial { get; init; }

    public AutoNatStatus? Status { get; init; }

    public string? StatusText { get; init; }

    /// <summary>DIAL_RESPONSE OK: the address that was dialed.</summary>
    public byte[]? Addr { get; init; }

    public static AutoNatMessage Dial(ReadOnlySpan<byte> peerId, IEnumerable<byte[]> addrs) =>
        new() { Type = TypeDial, HasDial = true, PeerId = peerId.ToArray(), Addrs = [.. addrs] };

    public static AutoNatMessage Response(AutoNatStatus status, string? text, byte[]? addr = null) =>
        new() { Type = TypeDialResponse, Status = status, StatusText = text, Addr = addr };

    public byte[] Encode()
    {
        var w = new ProtoWriter();
        w.WriteVarintField(1, (ulong)Type);
        if (HasDial)
        {
            var peer = new ProtoWriter();
            if (PeerId is not null) peer.WriteBytesField(1, PeerId);
            foreach (var a in Addrs) peer.WriteBytesField(2, a);
            var dial = new ProtoWriter();
            dial.WriteBytesField(1, peer.WrittenSpan);
            w.WriteBytesField(2, dial.WrittenSpan);
        }
        if (Status is { } status)
        {
            var r = new ProtoWriter();
            r.WriteVarintField(1, (ulong)status);
            if (StatusText is not null) r.WriteStringField(2, StatusText);
            if (Addr is not null) r.WriteBytesField(3, Addr);
            w.WriteBytesField(3, r.WrittenSpan);
        }
        return w.ToArray();
    }

    /// <exception cref="FormatException">Not a valid message; the text says which part.</exception>
    public static AutoNatMessage Decode(ReadOnlySpan<byte> data)
    {
        int? type = null;
        byte[]? peerId = null;
        var addrs = new List<byte[]>();
        var hasDial = false;
        AutoNatStatus? status = null;
        string? text = null;
        byte[]? addr = null;
        var r = new ProtoReader(data);
        while (r.Next())
        {
            switch (r.FieldNumber)
            {
                case 1: type = checked((int)r.ReadVarint()); break;
                case 2:
                    hasDial = true;
                    var dial = new ProtoReader(r.ReadBytes());
                    while (dial.Next())
                    {
                        if (dial.FieldNumber != 1) { dial.Skip(); continue; }
                        var peer = new ProtoReader(dial.ReadBytes());
                        while (peer.Next())
                        {
                            if (peer.FieldNumber == 1) peerId = peer.ReadBytes().ToArray();
                            else if (peer.FieldNumber == 2) addrs.Add(peer.ReadBytes().ToArray());
                            else peer.Skip();
                        }
                    }
                    break;
                case 3:
                    var resp = new ProtoReader(r.ReadBytes());
                    while (resp.Next())
                    {
                        if (resp.FieldNumber == 1) status = (AutoNatStatus)checked((int)resp.ReadVarint());
                        else if (resp.FieldNumber == 2) text = resp.ReadString();
                        else if (resp.FieldNumber == 3) addr = resp.ReadBytes().ToArray();
                        else resp.Skip();
                    }
                    break;
                default: r.Skip(); break;
            }
        }
        if (type is null) throw new FormatException("autonat: message has no type");
        return new AutoNatMessage { Type = type.Value, PeerId = peerId, Addrs = addrs, HasDial = hasDial, Status = status, StatusText = text, Addr = addr };
    }
}
