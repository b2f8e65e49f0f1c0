using System.Net.Sockets;
using PluginMesh.P2p;
using PluginMesh.P2p.Protobuf;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

/// <summary>
/// A daemon-control client written from the protocol (go-libp2p-daemon's p2pd.proto): builds requests,
/// sends them on a fresh unix connection each and decodes the response.
/// </summary>
internal sealed class DaemonControl(string socketPath)
{
    public sealed record Response(ulong? Type, string? Error, byte[]? Id, List<Multiaddr> Addrs, List<(PeerId Id, Multiaddr Addr)> Peers, (PeerId Peer, Multiaddr Addr, string Proto)? StreamInfo)
    {
        public bool Ok => Type == 0;
    }

    /// <summary>A connection to the control socket.</summary>
    public async Task<NetworkStream> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        return new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Sends one request on a new connection and reads the answer; the connection is returned open (a STREAM_OPEN's stream).</summary>
    public async Task<(NetworkStream Stream, Response Response)> SendAsync(byte[] request)
    {
        var stream = await ConnectAsync();
        return (stream, await ExchangeAsync(stream, request));
    }

    public async Task<Response> RequestAsync(byte[] request)
    {
        var (stream, response) = await SendAsync(request);
        await stream.DisposeAsync();
        return response;
    }

    public static async Task<Response> ExchangeAsync(Stream stream, byte[] request)
    {
        await LengthPrefixed.WriteAsync(stream, request, TestTimeout.Token());
        return await ReadAsync(stream);
    }

    public static async Task<Response> ReadAsync(Stream stream)
    {
        var message = await LengthPrefixed.ReadAsync(stream, 1 << 22, TestTimeout.Token()) ?? throw new EndOfStreamException("the daemon closed without a response");
        return Parse(message);
    }

    public static byte[] Identify() => Request(0);

    public static byte[] ListPeers() => Request(5);

    public static byte[] Connect(PeerId peer, IEnumerable<Multiaddr> addrs) =>
        Request(1, 2, Sub(w =>
        {
            w.WriteBytesField(1, peer.Multihash);
            foreach (var a in addrs) w.WriteBytesField(2, a.ToBytes());
        }));

    public static byte[] StreamOpen(PeerId peer, params string[] protocols) =>
        Request(2, 3, Sub(w =>
        {
            w.WriteBytesField(1, peer.Multihash);
            foreach (var p in protocols) w.WriteStringField(2, p);
        }));

    /// <summary>STREAM_HANDLER with a raw callback address (a multiaddr's bytes, or <see cref="UnixAddress"/>).</summary>
    public static byte[] StreamHandler(byte[] address, params string[] protocols) =>
        Request(3, 4, Sub(w =>
        {
            w.WriteBytesField(1, address);
            foreach (var p in protocols) w.WriteStringField(2, p);
        }));

    public static byte[] Disconnect(PeerId peer) => Request(7, 7, Sub(w => w.WriteBytesField(1, peer.Multihash)));

    /// <summary>The binary multiaddr <c>/unix/&lt;path&gt;</c> (code 400, length-prefixed path).</summary>
    public static byte[] UnixAddress(string path)
    {
        var w = new ProtoWriter();
        w.WriteRawVarint(400);
        w.WriteRawString(path);
        return w.ToArray();
    }

    public static byte[] Request(ulong type, int? field = null, byte[]? sub = null)
    {
        var w = new ProtoWriter();
        w.WriteVarintField(1, type);
        if (field is { } f) w.WriteBytesField(f, sub!);
        return w.ToArray();
    }

    private static byte[] Sub(Action<ProtoWriter> write)
    {
        var w = new ProtoWriter();
        write(w);
        return w.ToArray();
    }

    /// <summary>A <c>StreamInfo</c> (peer, address, protocol): in a STREAM_OPEN answer and as a callback's header.</summary>
    public static (PeerId Peer, Multiaddr Addr, string Proto) ParseStreamInfo(ReadOnlySpan<byte> message)
    {
        var s = new ProtoReader(message);
        PeerId? peer = null;
        Multiaddr? addr = null;
        var proto = "";
        while (s.Next())
        {
            switch (s.FieldNumber)
            {
                case 1: peer = PeerId.FromMultihash(s.ReadBytes()); break;
                case 2: addr = Multiaddr.FromBytes(s.ReadBytes()); break;
                default: proto = s.ReadString(); break;
            }
        }
        return (peer!, addr!, proto);
    }

    public static Response Parse(ReadOnlySpan<byte> message)
    {
        ulong? type = null;
        string? error = null;
        byte[]? id = null;
        List<Multiaddr> addrs = [];
        List<(PeerId, Multiaddr)> peers = [];
        (PeerId, Multiaddr, string)? info = null;
        var r = new ProtoReader(message);
        while (r.Next())
        {
            switch (r.FieldNumber)
            {
                case 1: type = r.ReadVarint(); break;
                case 2:
                    var e = new ProtoReader(r.ReadBytes());
                    while (e.Next()) error = e.ReadString();
                    break;
                case 3:
                    info = ParseStreamInfo(r.ReadBytes());
                    break;
                case 4:
                    var i = new ProtoReader(r.ReadBytes());
                    while (i.Next())
                    {
                        if (i.FieldNumber == 1) id = i.ReadBytes().ToArray();
                        else addrs.Add(Multiaddr.FromBytes(i.ReadBytes()));
                    }
                    break;
                case 6:
                    var p = new ProtoReader(r.ReadBytes());
                    PeerId? pid = null;
                    Multiaddr? first = null;
                    while (p.Next())
                    {
                        if (p.FieldNumber == 1) pid = PeerId.FromMultihash(p.ReadBytes());
                        else first ??= Multiaddr.FromBytes(p.ReadBytes());
                    }
                    peers.Add((pid!, first!));
                    break;
                default: r.Skip(); break;
            }
        }
        return new Response(type, error, id, addrs, peers, info);
    }
}
