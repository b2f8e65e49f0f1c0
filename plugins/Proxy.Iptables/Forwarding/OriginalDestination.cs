namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>
/// The destination a client dialed before a nat-table REDIRECT/DNAT, via getsockopt(SOL_IP,
/// SO_ORIGINAL_DST) on an accepted IPv4 socket, getsockopt(SOL_IPV6, IP6T_SO_ORIGINAL_DST) on an
/// IPv6 one. This is what lets one TCP listener per family serve every service.
/// </summary>
public static class OriginalDestination
{
    private const int SolIp = 0;
    private const int SolIpv6 = 41;
    private const int SoOriginalDst = 80; // SO_ORIGINAL_DST and IP6T_SO_ORIGINAL_DST are both 80

    /// <summary>The pre-NAT destination, or null when the connection was not NATed (or on error).</summary>
    public static IPEndPoint? Get(Socket accepted)
    {
        ArgumentNullException.ThrowIfNull(accepted);
        var v6 = accepted.AddressFamily == AddressFamily.InterNetworkV6;
        Span<byte> sockaddr = stackalloc byte[28];
        try
        {
            var n = accepted.GetRawSocketOption(v6 ? SolIpv6 : SolIp, SoOriginalDst, v6 ? sockaddr : sockaddr[..16]);
            if (n < (v6 ? 24 : 8)) return null;
        }
        catch (SocketException)
        {
            return null;
        }
        // struct sockaddr_in: family (host order), port (network order), address (network order);
        // struct sockaddr_in6: family, port, flow info (4 bytes), address (16), scope id.
        var port = BinaryPrimitives.ReadUInt16BigEndian(sockaddr.Slice(2, 2));
        return new IPEndPoint(new IPAddress(v6 ? sockaddr.Slice(8, 16) : sockaddr.Slice(4, 4)), port);
    }
}
