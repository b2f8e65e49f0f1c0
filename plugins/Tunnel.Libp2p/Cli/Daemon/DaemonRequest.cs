namespace PluginMesh.Plugins.Tunnel.Libp2p.Cli.Daemon;

/// <summary>
/// One control request, as far as this daemon reads it: the type, and the fields of the CONNECT,
/// STREAM_OPEN, STREAM_HANDLER and DISCONNECT sub-messages. Sub-messages of other types are skipped
/// (the request is then answered with an ERROR naming the type).
/// </summary>
/// <param name="Type">The raw type number; null when the field is missing (proto3 senders must still write it).</param>
/// <param name="Peer">The peer of CONNECT, STREAM_OPEN or DISCONNECT.</param>
/// <param name="Addresses">CONNECT's addresses.</param>
/// <param name="Protocols">STREAM_OPEN's or STREAM_HANDLER's protocols.</param>
/// <param name="Handler">STREAM_HANDLER's callback address: a TCP multiaddr or a <c>/unix</c> path.</param>
/// <param name="TimeoutSeconds">CONNECT's or STREAM_OPEN's timeout, in seconds as p2pd reads it.</param>
internal sealed record DaemonRequest(ulong? Type, PeerId? Peer, IReadOnlyList<Multiaddr> Addresses, IReadOnlyList<string> Protocols, EndPoint? Handler, long? TimeoutSeconds)
{
    /// <summary>The longest request read (p2pd and the js daemon allow 4 MiB).</summary>
    public const int MaxLength = 4 << 20;

    private const ulong UnixCode = 400;

    /// <summary>The sub-request fields of <c>Request</c> this daemon reads, by field number.</summary>
    private static readonly Dictionary<int, string> SubRequests = new() { [2] = "connect", [3] = "streamOpen", [4] = "streamHandler", [7] = "disconnect" };

    /// <summary>Decodes a request.</summary>
    /// <exception cref="FormatException">Broken protobuf, or a field that is not what it must be; the message names the field.</exception>
    public static DaemonRequest Parse(ReadOnlySpan<byte> message)
    {
        ulong? type = null;
        PeerId? peer = null;
        List<Multiaddr> addrs = [];
        List<string> protocols = [];
        EndPoint? handler = null;
        long? timeout = null;
        var reader = new ProtoReader(message);
        while (reader.Next())
        {
            switch (reader.FieldNumber)
            {
                case 1:
                    type = reader.ReadVarint();
                    break;
                case 2 or 3 or 4 or 7:
                    ReadSub(reader.ReadBytes(), SubRequests[reader.FieldNumber], ref peer, addrs, protocols, ref handler, ref timeout);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        return new DaemonRequest(type, peer, addrs, protocols, handler, timeout);
    }

    /// <summary>
    /// Reads one sub-request. Field 1 is the peer (the callback address in STREAM_HANDLER), field 2 the
    /// addresses (CONNECT) or protocols, field 3 the timeout.
    /// </summary>
    private static void ReadSub(ReadOnlySpan<byte> body, string name, ref PeerId? peer, List<Multiaddr> addrs, List<string> protocols, ref EndPoint? handler, ref long? timeout)
    {
        var reader = new ProtoReader(body);
        while (reader.Next())
        {
            switch (reader.FieldNumber)
            {
                case 1 when name == "streamHandler":
                    handler = ParseHandler(reader.ReadBytes());
                    break;
                case 1:
                    peer = PeerId.TryFromMultihash(reader.ReadBytes(), out var id) ? id : throw new FormatException($"{name}.peer is not a PeerId multihash");
                    break;
                case 2 when name == "connect":
                    addrs.Add(Multiaddr.TryFromBytes(reader.ReadBytes(), out var a) ? a! : throw new FormatException($"{name}.addrs[{addrs.Count}] is not a multiaddr this node knows"));
                    break;
                case 2 when name is "streamOpen" or "streamHandler":
                    var protocol = reader.ReadString();
                    if (protocol.Length == 0) throw new FormatException($"{name}.proto[{protocols.Count}] is empty");
                    protocols.Add(protocol);
                    break;
                case 3 when name is "connect" or "streamOpen":
                    var raw = reader.ReadVarint();
                    timeout = raw > int.MaxValue ? throw new FormatException($"{name}.timeout {(long)raw} is out of range") : (long)raw;
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
    }

    /// <summary>A callback address: <c>/unix/&lt;path&gt;</c> (go clients) or an IP/TCP multiaddr (the js client listens on 127.0.0.1).</summary>
    private static EndPoint ParseHandler(ReadOnlySpan<byte> bytes)
    {
        var n = Varint.TryRead(bytes, out var code);
        if (n > 0 && code == UnixCode)
        {
            var m = Varint.TryRead(bytes[n..], out var length);
            if (m <= 0 || length == 0 || length > (ulong)(bytes.Length - n - m) || (ulong)(bytes.Length - n - m) != length)
                throw new FormatException("streamHandler.addr: malformed /unix path");
            string path;
            try
            {
                path = new UTF8Encoding(false, true).GetString(bytes.Slice(n + m, (int)length));
            }
            catch (DecoderFallbackException)
            {
                throw new FormatException("streamHandler.addr: /unix path is not UTF-8");
            }
            return new UnixDomainSocketEndPoint(path);
        }
        if (Multiaddr.TryFromBytes(bytes, out var address) && address!.TryGetTcpTarget(out var host, out var port, out var isIp) && isIp)
            return new IPEndPoint(IPAddress.Parse(host), port);
        throw new FormatException("streamHandler.addr must be a /unix path or an /ip4|/ip6 .../tcp address");
    }
}
