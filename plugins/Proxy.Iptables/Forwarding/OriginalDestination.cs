namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>
/// The destination a client dialed before a nat-table REDIRECT/DNAT, via getsockopt(SOL_IP,
/// SO_ORIGINAL_DST) on the accepted socket. This is what lets one TCP listener serve every service.
/// </summary>
public static class OriginalDestination
{
    private const int SolIp = 0;
    private const int SoOriginalDst = 80;

    /// <summary>The pre-NAT destination, or null when the connection was not NATed (or on error).</summary>
    public static IPEndPoint? Get(Socket accepted)
    {
        ArgumentNullException.ThrowIfNull(accepted);
        Span<byte> sockaddr = stackalloc byte[16];
        try
        {
            var n = accepted.GetRawSocketOption(SolIp, SoOriginalDst, sockaddr);
            if (n < 8) return null;
        }
        catch (SocketException)
        {
            return null;
        }
        // struct sockaddr_in: family (host order), port (network order), address (network order).
        var port = BinaryPrimitives.ReadUInt16BigEndian(sockaddr.Slice(2, 2));
        return new IPEndPoint(new IPAddress(sockaddr.Slice(4, 4)), port);
    }
}
