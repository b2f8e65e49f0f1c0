namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>
/// One UDP socket on 0.0.0.0:5353 (shared with other responders through SO_REUSEADDR), joined to
/// 224.0.0.251 on each chosen interface. IP_PKTINFO tells which interface a packet came in on, so
/// packets from interfaces we did not choose are ignored (Linux delivers a group's packets from
/// every interface any socket joined) and answers go out where the query came from. Sends set
/// IP_MULTICAST_IF per packet under a lock; they are rare (a few per interval).
/// </summary>
internal sealed class MdnsSocket : IDisposable
{
    public static readonly IPAddress Group = IPAddress.Parse("224.0.0.251");
    private static readonly IPEndPoint GroupEndPoint = new(Group, MdnsLimits.Port);
    private readonly Socket _socket;
    private readonly Lock _sendLock = new();

    public MdnsSocket(IReadOnlyList<MdnsInterface> interfaces, bool loopback)
    {
        Interfaces = interfaces;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.PacketInformation, true);
            _socket.Bind(new IPEndPoint(IPAddress.Any, MdnsLimits.Port));
            // RFC 6762 §11: 255, so receivers can tell on-link packets; js sends 255 too.
            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 255);
            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, loopback);
            foreach (var i in interfaces)
                _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(Group, i.Address!));
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    public IReadOnlyList<MdnsInterface> Interfaces { get; }

    /// <summary>Receives one packet: its length, sender and the index of the interface it arrived on.</summary>
    public async ValueTask<(int Length, IPEndPoint Source, int Interface)> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await _socket.ReceiveMessageFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cancellationToken).ConfigureAwait(false);
        return (result.ReceivedBytes, (IPEndPoint)result.RemoteEndPoint, result.PacketInformation.Interface);
    }

    /// <summary>Multicasts <paramref name="packet"/> out of <paramref name="via"/>.</summary>
    public void Send(ReadOnlySpan<byte> packet, MdnsInterface via)
    {
        lock (_sendLock)
        {
            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, via.Address!.GetAddressBytes());
            _socket.SendTo(packet, SocketFlags.None, GroupEndPoint);
        }
    }

    public void Dispose() => _socket.Dispose();
}
